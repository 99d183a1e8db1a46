/**
 * Bad input never gets a 5xx, and what is refused is not stored: regressions found by probing the
 * running stack, then ≥ 10,000 generated and mutated bodies against every write endpoint.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { LeadDoc } from '../../core/leads/lead.model';
import { IngestOutboxModel } from '../../core/ingest/ingest-outbox.model';
import { WebhookSubscriptionModel } from '../../core/webhooks/webhook-subscription.model';
import { leadRepository } from '../../core/leads/lead.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { newVisitor } from '../../core/visitors/new-visitor';
import { leadIdFor, visitorIdFor } from '../../core/visitors/visitor-ids';
import { mapLimit, roomyWorkspace } from '../support/ingest-helpers';
import { startTestStack, type ApiResponse, type TestStack, type TestWorkspace } from '../support/test-stack';

const ODD_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '$where', 'a.b', '', 'x'.repeat(300)];

/** Sets a key on a plain object as data, whatever its name (`__proto__` included). */
function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...obj };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}
type Mutation =
  | { kind: 'set'; key: string; value: unknown; inData: boolean }
  | { kind: 'delete'; index: number }
  | { kind: 'replace'; value: unknown }
  | { kind: 'garbage'; text: string };

const nest = (depth: number, leaf: unknown = 1): unknown => (depth === 0 ? leaf : { n: nest(depth - 1, leaf) });

describe('hostile input (real API and database)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  let leadId: string;
  const email = 'fuzz.target@example.com';

  beforeAll(async () => {
    // No worker: these tests are about what the API answers and stores, not what is applied later.
    stack = await startTestStack({ worker: false });
    ws = await roomyWorkspace(stack, 'Hostile input');
    const visitorId = visitorIdFor(ws.id, `email:${email}`);
    await visitorRepository.save({ ...newVisitor(ws.id, visitorId, `email:${email}`, new Date()), email });
    const now = new Date();
    const lead: LeadDoc = { _id: leadIdFor(visitorId), workspaceId: ws.id, visitorId, email, fullName: null, phone: null, leadSource: null, utmSource: null, utmMedium: null, utmCampaign: null, status: 'new', value: null, createdAt: now, updatedAt: now };
    await leadRepository.insertIfAbsent(lead);
    leadId = lead._id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    stack.request(method, path, { key: ws.secretKey, rawBody: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

  /** Every write endpoint with a valid body. */
  const endpoints = () => [
    { method: 'POST', path: '/api/v1/ingest', body: { type: 'pageview', data: { visitor_fingerprint: 'fp_fuzz', url: 'https://fuzz.example/a' } } },
    { method: 'POST', path: '/api/v1/ingest/batch', body: { events: [{ type: 'event', data: { visitor_fingerprint: 'fp_fuzz', event_name: 'x', event_data: { k: 1 } } }] } },
    { method: 'POST', path: `/api/v1/visitors/${email}/identify`, body: { email, name: 'Fuzz Target' } },
    { method: 'POST', path: '/api/v1/visitor-attributes', body: { visitor_identifier: email, visitor_attributes: { plan: 'pro' } } },
    { method: 'POST', path: `/api/v1/visitors/${email}/tags`, body: { add: ['a'] } },
    { method: 'POST', path: '/api/v1/custom-activity/create', body: { visitor_identifier: email, category: 'c', label: 'l', metadata: { k: [1, 2] } } },
    { method: 'POST', path: '/api/v1/email-activity/create', body: { visitor_identifier: email, subject: 'Hello' } },
    { method: 'POST', path: '/api/v1/webhooks', body: { url: 'https://hooks.example.com/fuzz', events: ['lead.created'] } },
    { method: 'PATCH', path: `/api/v1/leads/${leadId}`, body: { status: 'qualified', value: 10 } },
  ];

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'])('answers a body key named %s with a 400 naming it, on every write endpoint', async (key) => {
    for (const endpoint of endpoints()) {
      const res = await send(endpoint.method, endpoint.path, withKey(endpoint.body, key, 1));
      expect({ endpoint: endpoint.path, status: res.status }).toEqual({ endpoint: endpoint.path, status: 400 });
      expect(Object.keys(res.body.details ?? {})).toContain(key);
    }
    const inItem = await send('POST', '/api/v1/ingest/batch', { events: [withKey({ type: 'pageview', data: { visitor_fingerprint: 'fp', url: 'https://x.example/' } }, key, 1)] });
    expect(inItem.status).toBe(400);
    const inData = await send('POST', '/api/v1/ingest', { type: 'event', data: withKey({ visitor_fingerprint: 'fp', event_name: 'x' }, key, 1) });
    expect(inData.status).toBe(400);
    expect(Object.keys(inData.body.details)).toContain(`data.${key}`);
  });

  it('answers a corrupt compressed body with a 400, on any route', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      for (const path of ['/api/v1/ingest', '/api/v1/webhooks', '/admin/v1/workspaces']) {
        const res = await send('POST', path, 'this is not compressed', { 'content-encoding': encoding });
        expect({ encoding, path, status: res.status, code: res.body.code }).toEqual({ encoding, path, status: 400, code: 'invalid_body' });
      }
    }
    // A real gzip body still works.
    const ok = await send('POST', '/api/v1/ingest', gzipSync(JSON.stringify(endpoints()[0].body)), { 'content-encoding': 'gzip' });
    expect(ok.status).toBe(202);
  });

  it('refuses deep nesting and arrays inside arrays with a 400 naming the path', async () => {
    // Built as text: JSON.stringify itself overflows the stack at this depth.
    const deepJson = `{"type":"event","data":{"visitor_fingerprint":"fp","event_name":"x","event_data":${'{"n":'.repeat(5000)}1${'}'.repeat(5000)}}}`;
    const deep = await send('POST', '/api/v1/ingest', deepJson);
    expect(deep.status).toBe(400);
    expect(Object.keys(deep.body.details)[0]).toMatch(/^data\.event_data\.n\.n/);
    const dollarDeep = await send('POST', '/api/v1/ingest', { type: 'event', data: { visitor_fingerprint: 'fp', event_name: 'x', event_data: nest(25, { $bad: 1 }) } });
    expect(dollarDeep.status).toBe(400);
    expect(Object.keys(dollarDeep.body.details)[0]).toMatch(/\.\$bad$/);
    const nested = await send('POST', '/api/v1/ingest', { type: 'event', data: { visitor_fingerprint: 'fp', event_name: 'x', event_data: { items: [['sku', 2]] } } });
    expect(nested.status).toBe(400);
    expect(nested.body.details).toHaveProperty(['data.event_data.items.0']);
    const metadata = await send('POST', '/api/v1/custom-activity/create', { visitor_identifier: email, category: 'c', label: 'l', metadata: { rows: [[1]] } });
    expect(metadata.status).toBe(400);
    expect(metadata.body.details).toHaveProperty(['metadata.rows.0']);
  });

  it('validates every batch item before writing: one bad item is rejected alone, the others stored once', async () => {
    const before = await IngestOutboxModel.countDocuments({ workspaceId: ws.id });
    const good = (n: number) => ({ type: 'pageview', messageId: `batch-item-${n}-${Date.now()}`, data: { visitor_fingerprint: 'fp_batch', url: `https://batch.example/${n}` } });
    const res = await send('POST', '/api/v1/ingest/batch', { events: [good(1), { type: 'event', data: { visitor_fingerprint: 'fp', event_name: 'x', event_data: { items: [['sku', 2]] } } }, good(2)] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 1, failed: 0 });
    expect(res.body.results[1]).toMatchObject({ status: 'rejected', code: 'validation_failed', details: { 'data.event_data.items.0': [expect.stringContaining('inside arrays')] } });
    expect(await IngestOutboxModel.countDocuments({ workspaceId: ws.id })).toBe(before + 2);
  });

  it('never answers 5xx to 10,000 generated and mutated bodies, and stores nothing it refused', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const targets = endpoints();
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(null, '', 0, -1, 1e308, true, [], {}, [[1, 2]], 'x'.repeat(40_000), nest(40), { $gt: 1 }, { 'a.b': 1 }, '<script>', 'a\u0000b'),
    );
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 12 })), value, inData: fc.boolean() }),
      fc.record({ kind: fc.constant('delete' as const), index: fc.nat() }),
      fc.record({ kind: fc.constant('replace' as const), value }),
      fc.record({ kind: fc.constant('garbage' as const), text: fc.oneof(fc.string(), fc.constantFrom('{', '[', '{"a":', 'null', '"x"', '1', '{"a":1}}')) }),
    );
    const cases = fc.sample(fc.tuple(fc.nat({ max: targets.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 })), { seed, numRuns: 10_000 });

    const mutate = (body: Record<string, unknown>, mutations: Mutation[]): unknown => {
      let out: unknown = body;
      for (const m of mutations) {
        if (m.kind === 'garbage') return m.text;
        if (m.kind === 'replace') out = m.value;
        else if (out && typeof out === 'object' && !Array.isArray(out)) {
          const obj = out as Record<string, unknown>;
          const target = m.kind === 'set' && m.inData && obj.data && typeof obj.data === 'object' ? 'data' : null;
          if (m.kind === 'set') out = target ? { ...obj, data: withKey(obj.data as Record<string, unknown>, m.key, m.value) } : withKey(obj, m.key, m.value);
          else {
            const keys = Object.keys(obj);
            if (keys.length) out = Object.fromEntries(Object.entries(obj).filter(([k]) => k !== keys[m.index % keys.length]));
          }
        }
      }
      return out;
    };

    const subscriptionsBefore = await WebhookSubscriptionModel.countDocuments({ workspaceId: ws.id });
    const outboxBefore = await IngestOutboxModel.countDocuments({ workspaceId: ws.id });
    const acceptedIds = new Set<string>();
    let created = 0;
    // PATCHes race each other, so the lead ends as one of the answered states (or untouched).
    const leadStates = [JSON.stringify({ status: 'new', value: null })];
    const failures: string[] = [];
    await mapLimit(cases, 8, async ([index, mutations], n) => {
      const target = targets[index];
      const body = mutate(target.body, mutations);
      const raw = typeof body === 'string' ? body : JSON.stringify(body) ?? 'null';
      let res: ApiResponse;
      try {
        res = await send(target.method, target.path, raw);
      } catch (err) {
        failures.push(`case ${n} ${target.method} ${target.path}: request failed (${String(err)}) body ${raw.slice(0, 300)}`);
        return;
      }
      if (res.status >= 500) failures.push(`case ${n} ${target.method} ${target.path} → ${res.status} ${JSON.stringify(res.body)} body ${raw.slice(0, 300)}`);
      if (res.status === 202 && target.path.endsWith('/batch')) for (const r of res.body.results) if (r.status === 'accepted') acceptedIds.add(r.id);
      if (res.status === 202 && !target.path.endsWith('/batch') && !res.body.duplicate) acceptedIds.add(res.body.id);
      if (res.status === 201 && target.path === '/api/v1/webhooks') created++;
      if (res.status === 200 && target.method === 'PATCH') leadStates.push(JSON.stringify({ status: res.body.status, value: res.body.value }));
    });
    if (failures.length) throw new Error(`fuzz seed ${seed} (rerun with FUZZ_SEED=${seed}): ${failures.length} failures\n${failures.slice(0, 10).join('\n')}`);

    // The process is still up, and exactly what was answered as stored is stored.
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
    const ingested = [...acceptedIds].filter((id) => id.startsWith('ing_'));
    expect(await IngestOutboxModel.countDocuments({ workspaceId: ws.id })).toBe(outboxBefore + ingested.length);
    expect(await WebhookSubscriptionModel.countDocuments({ workspaceId: ws.id })).toBe(subscriptionsBefore + created);
    const lead = await leadRepository.findById(leadId);
    expect(leadStates).toContain(JSON.stringify({ status: lead?.status, value: lead?.value }));
  }, 600_000);
});
