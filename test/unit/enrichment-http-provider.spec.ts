import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { httpProviderSettingsSchema, mappingTargets, type HttpProviderSettings } from '../../core/enrichment/enrichment-settings';
import { ProviderError } from '../../core/enrichment/provider-error';
import { callHttpProvider, closeHttpProviderAgents, mapProviderAnswer, MAX_ANSWER_BYTES, valueAtPath } from '../../core/enrichment/providers/http-provider';

type Received = { method?: string; headers: http.IncomingHttpHeaders; body: string };
const received: Received[] = [];
let server: http.Server;
let base: string;

/** Routes by path; each answer is what a provider could send. */
function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  received.push({ method: req.method, headers: req.headers, body });
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  switch (req.url) {
    case '/profile':
      return json(200, {
        person: { full_name: '  Ada Lovelace ', title: 'CTO', bio: 'x'.repeat(800), links: { linkedin: 'https://www.linkedin.com/in/ada', twitter: 'javascript:alert(1)' }, tags: ['a'] },
        company: { name: 'Analytical Engines', domain: 'WWW.Engines.example', metrics: { employees: 250 }, country: 'gb', industry: { sector: 'x' }, site: 'ftp://engines.example' },
        flag: true,
      });
    case '/echo':
      return json(200, { seen: JSON.parse(body) });
    case '/garbage':
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html>not json</html>');
    case '/array':
      return json(200, [1, 2, 3]);
    case '/string':
      return json(200, 'hello');
    case '/500':
      return json(500, { error: 'boom' });
    case '/503':
      return json(503, { error: 'busy' });
    case '/429':
      return json(429, { error: 'slow down' });
    case '/408':
      return json(408, {});
    case '/404':
      return json(404, { error: 'unknown' });
    case '/401':
      return json(401, { error: 'bad key' });
    case '/302':
      res.writeHead(302, { location: '/profile' });
      return void res.end();
    case '/slow':
      return; // never answers
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.write('{"person":');
    case '/huge-chunked': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = `"${'a'.repeat(64 * 1024)}",`;
      res.write('{"pad":[');
      let written = 0;
      const pump = () => {
        while (written < 3 * MAX_ANSWER_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"end"]}');
      };
      res.on('error', () => undefined);
      return pump();
    }
    case '/huge-declared': {
      const big = JSON.stringify({ pad: 'a'.repeat(MAX_ANSWER_BYTES + 10) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) });
      res.on('error', () => undefined);
      return void res.end(big);
    }
    case '/proto':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"__proto__":{"polluted":"yes","name":"Evil"},"constructor":{"prototype":{"polluted":"yes"}},"person":{"title":"Dev"}}');
    default:
      return json(404, {});
  }
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await closeHttpProviderAgents();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

/** Tests talk to 127.0.0.1, which the strict SSRF policy refuses: the same switch as webhooks in development. */
const devPolicy = { policy: { allowPrivate: true } };
const input = { email: 'ada@engines.example', domain: 'engines.example', ip: '81.2.69.142', name: 'Ada' };

function settings(path: string, overrides: Partial<HttpProviderSettings> = {}): HttpProviderSettings {
  return httpProviderSettingsSchema.parse({ enabled: true, url: `${base}${path}`, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('callHttpProvider against a local server', () => {
  it('POSTs the input as JSON with the auth header and maps the answer', async () => {
    const result = await callHttpProvider(
      settings('/profile', {
        auth_header: { name: 'X-Api-Key', value: 'secret-key-1234' },
        mapping: {
          'person_details.name': 'person.full_name',
          'person_details.job_title': 'person.title',
          'person_details.bio': 'person.bio',
          'person_details.linkedin': 'person.links.linkedin',
          'person_details.twitter': 'person.links.twitter',
          'person_details.organization': 'person.tags',
          'person_details.location': 'person.missing.deeper',
          'company_details.name': 'company.name',
          'company_details.domain': 'company.domain',
          'company_details.employee_range': 'company.metrics.employees',
          'company_details.country_code': 'company.country',
          'company_details.industry': 'company.industry',
          'company_details.website': 'company.site',
          'person_details.phone': 'flag',
        },
      }),
      input,
      devPolicy,
    );
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('POST');
    expect(received[0].headers['x-api-key']).toBe('secret-key-1234');
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[0].body)).toEqual(input);
    expect(result.person_details).toEqual({
      name: 'Ada Lovelace',
      job_title: 'CTO',
      bio: 'x'.repeat(500),
      linkedin: 'https://www.linkedin.com/in/ada',
      phone: 'true',
    });
    expect(result.company_details).toEqual({ name: 'Analytical Engines', domain: 'engines.example', employee_range: '201-500', country_code: 'GB' });
    expect(result.ignored.sort()).toEqual(['company_details.industry', 'company_details.website', 'person_details.organization', 'person_details.twitter']);
  });

  it('sends nulls for unknown input fields', async () => {
    await callHttpProvider(settings('/echo'), { email: null, domain: 'acme.com', ip: null, name: null }, devPolicy);
    expect(JSON.parse(received[0].body)).toEqual({ email: null, domain: 'acme.com', ip: null, name: null });
  });

  it.each(['/garbage', '/array', '/string'])('refuses the non-object answer of %s as a non-retryable invalid_response', async (path) => {
    expect(await failure(callHttpProvider(settings(path), input, devPolicy))).toMatchObject({ errorClass: 'invalid_response', retryable: false });
  });

  it.each([
    ['/500', 500],
    ['/503', 503],
    ['/429', 429],
    ['/408', 408],
  ])('treats %s as retryable', async (path, status) => {
    expect(await failure(callHttpProvider(settings(path), input, devPolicy))).toMatchObject({ errorClass: 'http_status', retryable: true, status });
  });

  it.each([
    ['/404', 404],
    ['/401', 401],
    ['/302', 302],
  ])('treats %s as non-retryable', async (path, status) => {
    expect(await failure(callHttpProvider(settings(path), input, devPolicy))).toMatchObject({ errorClass: 'http_status', retryable: false, status });
  });

  it('times out a provider that never answers, retryably', async () => {
    const started = Date.now();
    const error = await failure(callHttpProvider(settings('/slow', { timeout_ms: 200 }), input, devPolicy));
    expect(error).toMatchObject({ errorClass: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out a body that stops half way', async () => {
    expect(await failure(callHttpProvider(settings('/slow-body', { timeout_ms: 200 }), input, devPolicy))).toMatchObject({ errorClass: 'timeout', retryable: true });
  });

  it('stops reading an answer past 1 MB', async () => {
    expect(await failure(callHttpProvider(settings('/huge-chunked'), input, devPolicy))).toMatchObject({ errorClass: 'invalid_response', retryable: false });
    expect(await failure(callHttpProvider(settings('/huge-declared'), input, devPolicy))).toMatchObject({ errorClass: 'invalid_response', retryable: false });
  });

  it('never maps through __proto__, constructor or prototype', async () => {
    // `name` and `polluted` exist only under the answer's own `__proto__` key: not at the top.
    const result = await callHttpProvider(settings('/proto', { mapping: { 'person_details.name': 'name', 'person_details.bio': 'polluted' } }), input, devPolicy);
    expect(result).toEqual({ person_details: {}, company_details: {}, ignored: [] });
    // Mappings that bypass the settings schema (e.g. stored before validation) are refused too.
    const unchecked = { ...settings('/proto'), mapping: { 'person_details.name': '__proto__.name', 'person_details.bio': 'constructor.prototype.polluted', 'person_details.job_title': 'person.title', '__proto__.x': 'person.title' } };
    const mapped = await callHttpProvider(unchecked, input, devPolicy);
    expect(mapped.person_details).toEqual({ job_title: 'Dev' });
    expect(mapped.ignored.sort()).toEqual(['__proto__.x', 'person_details.bio', 'person_details.name']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a private target under the strict (production) policy', async () => {
    expect(await failure(callHttpProvider(settings('/profile'), input))).toMatchObject({ errorClass: 'ssrf_blocked', retryable: false });
    const port = (server.address() as AddressInfo).port;
    const httpsLocal = httpProviderSettingsSchema.parse({ enabled: true, url: `https://localhost:${port}/profile` });
    expect(await failure(callHttpProvider(httpsLocal, input))).toMatchObject({ errorClass: 'ssrf_blocked', retryable: false });
    expect(received).toHaveLength(0);
  });

  it('refuses to run unconfigured', async () => {
    const off = httpProviderSettingsSchema.parse({});
    expect(await failure(callHttpProvider(off, input, devPolicy))).toMatchObject({ errorClass: 'not_configured', retryable: false });
  });

  it('reports a refused connection as a retryable network error without the secret', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(callHttpProvider(httpProviderSettingsSchema.parse({ enabled: true, url: `http://127.0.0.1:${port}/`, auth_header: { name: 'Authorization', value: 'Bearer topsecret' } }), input, devPolicy));
    expect(error).toMatchObject({ errorClass: 'network', retryable: true });
    expect(error.message).not.toContain('topsecret');
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await failure(callHttpProvider(settings('/slow', { timeout_ms: 5000 }), input, { ...devPolicy, signal: controller.signal }))).toMatchObject({ retryable: true });
  });
});

describe('mapProviderAnswer', () => {
  it('keeps strings trimmed and cut, stringifies numbers and booleans, ignores objects', () => {
    const answer = { a: ' x ', n: 42.5, b: false, o: { k: 1 }, l: [1], e: '   ', z: null, long: 'y'.repeat(600) };
    const result = mapProviderAnswer(answer, {
      'person_details.name': 'a',
      'person_details.phone': 'n',
      'person_details.bio': 'b',
      'person_details.location': 'o',
      'person_details.job_title': 'l',
      'person_details.first_name': 'e',
      'person_details.last_name': 'z',
      'company_details.industry': 'long',
    });
    expect(result.person_details).toEqual({ name: 'x', phone: '42.5', bio: 'false' });
    expect(result.company_details).toEqual({ industry: 'y'.repeat(500) });
    expect(result.ignored.sort()).toEqual(['person_details.job_title', 'person_details.location']);
  });

  it.each<[unknown, string | undefined]>([
    ['11-50', '11-50'],
    [' 10001+ ', '10001+'],
    ['lots', undefined],
    [1, '1-10'],
    [10, '1-10'],
    [11, '11-50'],
    [1000, '501-1000'],
    [5001, '5001-10000'],
    [250_000, '10001+'],
    [0, undefined],
    [-5, undefined],
    [true, undefined],
  ])('employee_range %j → %j', (value, expected) => {
    const result = mapProviderAnswer({ v: value }, { 'company_details.employee_range': 'v' });
    expect(result.company_details.employee_range).toBe(expected);
    expect(result.ignored).toEqual(expected === undefined ? ['company_details.employee_range'] : []);
  });

  it.each<[unknown, string | undefined]>([
    ['de', 'DE'],
    [' Us ', 'US'],
    ['USA', undefined],
    ['1a', undefined],
    [49, undefined],
  ])('country_code %j → %j', (value, expected) => {
    expect(mapProviderAnswer({ v: value }, { 'company_details.country_code': 'v' }).company_details.country_code).toBe(expected);
  });

  it('walks arrays by index only', () => {
    const answer = { items: [{ name: 'first' }, { name: 'second' }] };
    expect(valueAtPath(answer, 'items.1.name')).toBe('second');
    expect(valueAtPath(answer, 'items.length')).toBeUndefined();
    expect(valueAtPath(answer, 'items.0.name.length')).toBeUndefined();
    expect(valueAtPath(answer, 'toString')).toBeUndefined();
    expect(valueAtPath(answer, 'hasOwnProperty')).toBeUndefined();
  });

  it('never throws and only yields strings, for arbitrary JSON answers and mappings', () => {
    const segment = fc.oneof(fc.constantFrom('a', 'b', '0', '1', '__proto__', 'constructor', 'prototype', 'length', 'toString'), fc.string({ maxLength: 4 }));
    const sourcePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
    const target = fc.oneof(fc.constantFrom(...mappingTargets), fc.string({ maxLength: 10 }));
    const answer = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.dictionary(fc.constantFrom('a', 'b', '0', '__proto__', 'constructor'), tie('value'), { maxKeys: 4 })),
    })).value;
    fc.assert(
      fc.property(answer, fc.dictionary(target, sourcePath, { maxKeys: 8 }), (json, mapping) => {
        // Round-trip through JSON.parse so `__proto__` keys are own properties, as in a real answer.
        const parsed: unknown = JSON.parse(JSON.stringify(json) ?? 'null');
        const result = mapProviderAnswer(parsed, mapping);
        for (const value of [...Object.values(result.person_details), ...Object.values(result.company_details)]) {
          expect(typeof value).toBe('string');
          expect(value.length).toBeLessThanOrEqual(500);
        }
        for (const key of [...Object.keys(result.person_details).map((k) => `person_details.${k}`), ...Object.keys(result.company_details).map((k) => `company_details.${k}`)]) {
          expect(mappingTargets).toContain(key);
        }
        expect(Object.getPrototypeOf(result.person_details)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});
