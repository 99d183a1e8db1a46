import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { BlockedTargetError, checkWebhookUrl, createGuardedLookup, isBlockedAddress, type TargetPolicy } from '../../core/webhooks/ssrf';

const strict: TargetPolicy = { allowPrivate: false };
const permissive: TargetPolicy = { allowPrivate: true };

type LookupOutcome = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function guardedLookup(policy: TargetPolicy, hostname: string, options: dns.LookupOptions): Promise<LookupOutcome> {
  return new Promise((resolve) => {
    createGuardedLookup(policy)(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

/** Makes node:dns answer `addresses` for any name, without touching the network. */
function fakeDnsAnswer(addresses: LookupAddress[]): void {
  jest.spyOn(dnsPromises, 'lookup').mockImplementation((async () => addresses) as unknown as typeof dnsPromises.lookup);
  jest.spyOn(dns, 'lookup').mockImplementation(((_host: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) => {
    callback(null, addresses);
  }) as unknown as typeof dns.lookup);
}

afterEach(() => jest.restoreAllMocks());

describe('isBlockedAddress', () => {
  it.each([
    '0.0.0.0', '0.1.2.3', '127.0.0.1', '127.255.255.254', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1',
    '169.254.169.254', '100.64.0.1', '100.127.255.255', '224.0.0.1', '239.255.255.250', '255.255.255.255',
    '192.0.0.8', '192.0.2.1', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9', '240.0.0.1',
    '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1',
    '::ffff:169.254.169.254', '::7f00:1', '::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b::808:808', '2002:7f00:1::1', '2001::1',
    '2001:db8::1', 'fec0::1', '4000::1',
    'not-an-ip', '', '127.1', '0x7f000001', '2130706433', '1.2.3.4.5', '[::1]',
  ])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:81a::200e', '::ffff:8.8.8.8'])(
    'allows the globally routable %s',
    (ip) => {
      expect(isBlockedAddress(ip)).toBe(false);
    },
  );
});

describe('checkWebhookUrl (save time)', () => {
  it.each([
    'http://127.0.0.1',
    'https://127.0.0.1',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0x7f.0.0.1/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[0:0:0:0:0:ffff:169.254.169.254]/',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00:ec2::254]/',
    'https://10.0.0.1/',
    'https://172.16.5.4/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[::]/',
    'https://224.0.0.1/',
    'https://[fe80::1]/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://foo.localhost/',
    'https://printer.local/',
    'https://db.internal/',
    'https://metadata/',
    'https://metadata.google.internal/',
    'https://user:pw@example.com/',
    'https://user@example.com/',
    'ftp://example.com/',
    'http://example.com/',
    'javascript:alert(1)',
    'not a url',
    '',
  ])('refuses %s', async (url) => {
    const result = await checkWebhookUrl(url, strict);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^[A-Z].{5,120}$/);
  });

  it('names the real address behind disguised IPv4 forms', async () => {
    for (const url of ['https://2130706433/', 'https://0x7f.0.0.1/', 'https://0177.0.0.1/', 'https://127.1/']) {
      expect(await checkWebhookUrl(url, strict)).toEqual({ ok: false, reason: 'Target is a private, loopback or reserved address (127.0.0.1)' });
    }
  });

  it('explains scheme and credential refusals', async () => {
    expect(await checkWebhookUrl('http://example.com/', strict)).toEqual({ ok: false, reason: 'URL must use https' });
    expect(await checkWebhookUrl('https://user:pw@example.com/', strict)).toEqual({ ok: false, reason: 'URL must not contain credentials' });
    expect(await checkWebhookUrl('not a url', strict)).toEqual({ ok: false, reason: 'Not a valid URL' });
  });

  it.each(['https://93.184.215.14/hook', 'https://[2606:4700:4700::1111]/'])('accepts the public literal %s', async (url) => {
    const result = await checkWebhookUrl(url, strict);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.url.href).toBe(new URL(url).href);
  });

  it('accepts http and private targets when the policy allows private ones', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost:3000/hook', 'https://[::1]:8443/']) {
      expect((await checkWebhookUrl(url, permissive)).ok).toBe(true);
    }
    expect(await checkWebhookUrl('ftp://127.0.0.1/', permissive)).toEqual({ ok: false, reason: 'URL must use http or https' });
    expect((await checkWebhookUrl('http://user:pw@127.0.0.1/', permissive)).ok).toBe(false);
  });

  it('refuses a name when any of its addresses is private', async () => {
    fakeDnsAnswer([{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }]);
    expect(await checkWebhookUrl('https://hooks.example.com/x', strict)).toEqual({
      ok: false,
      reason: 'Target resolves to a private or loopback address (10.1.2.3)',
    });
  });

  it('accepts a name whose addresses are all public', async () => {
    fakeDnsAnswer([{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }]);
    expect((await checkWebhookUrl('https://hooks.example.com/x', strict)).ok).toBe(true);
  });

  it('accepts a name when DNS fails, leaving the check to delivery', async () => {
    // `.invalid` never resolves (RFC 6761); offline, the lookup fails or hits the 2-second cap.
    const startedAt = Date.now();
    expect((await checkWebhookUrl('https://signalbox-test.invalid/hook', strict)).ok).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it('gives up on DNS after 2 seconds and accepts', async () => {
    jest.spyOn(dnsPromises, 'lookup').mockImplementation((() => new Promise(() => undefined)) as unknown as typeof dnsPromises.lookup);
    const startedAt = Date.now();
    expect((await checkWebhookUrl('https://slow-dns.example.com/', strict)).ok).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_900);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });
});

describe('createGuardedLookup (delivery time)', () => {
  it('fails with ESSRF when localhost is resolved under the strict policy', async () => {
    for (const all of [false, true]) {
      const { error } = await guardedLookup(strict, 'localhost', { all });
      expect(error).toBeInstanceOf(BlockedTargetError);
      expect(error?.code).toBe('ESSRF');
      expect(error?.message).toMatch(/localhost resolves to a blocked address/);
    }
  });

  it('resolves localhost when private targets are allowed, honouring options.all', async () => {
    const single = await guardedLookup(permissive, 'localhost', { all: false });
    expect(single.error).toBeNull();
    expect(typeof single.address).toBe('string');
    expect([4, 6]).toContain(single.family);

    const every = await guardedLookup(permissive, 'localhost', { all: true });
    expect(every.error).toBeNull();
    expect(Array.isArray(every.address)).toBe(true);
    expect((every.address as LookupAddress[]).length).toBeGreaterThan(0);
  });

  it('refuses a name that mixes public and private answers', async () => {
    fakeDnsAnswer([{ address: '93.184.215.14', family: 4 }, { address: '169.254.169.254', family: 4 }]);
    const { error } = await guardedLookup(strict, 'rebind.example.com', { all: true });
    expect(error?.code).toBe('ESSRF');
    expect(error?.message).toContain('169.254.169.254');
  });

  it('passes public answers through in both shapes', async () => {
    fakeDnsAnswer([{ address: '93.184.215.14', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }]);
    expect(await guardedLookup(strict, 'hooks.example.com', { all: false })).toEqual({ error: null, address: '93.184.215.14', family: 4 });
    expect((await guardedLookup(strict, 'hooks.example.com', { all: true })).address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
  });

  it('passes DNS errors through unchanged', async () => {
    const { error } = await guardedLookup(strict, 'signalbox-test.invalid', { all: true });
    expect(error).not.toBeNull();
    expect(error?.code).not.toBe('ESSRF');
  });
});
