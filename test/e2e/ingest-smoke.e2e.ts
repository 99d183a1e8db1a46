import { visitorRepository } from '../../shared/repositories/visitor.repository';
import { visitorIdFor } from '../../shared/visitors/visitor-ids';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

describe('ingest smoke', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  beforeAll(async () => {
    stack = await startTestStack();
    ws = await stack.createWorkspace('Ingest smoke', { rateLimits: { perMinute: 100_000, perDay: 1_000_000 } });
  });
  afterAll(async () => stack.close());

  it('applies a pageview and an identify to the visitor', async () => {
    const t0 = Date.now() - 60_000;
    const pv = await stack.request('POST', '/api/v1/ingest', { key: ws.publishableKey, body: { type: 'pageview', data: { visitor_fingerprint: 'fp_1', url: 'https://example.com/pricing?utm_source=newsletter&utm_medium=email', referrer: 'https://www.google.com/', title: 'Pricing', timestamp: t0 } } });
    expect(pv.status).toBe(202);
    const id = await stack.request('POST', '/api/v1/ingest', { key: ws.publishableKey, body: { type: 'identify', data: { visitor_fingerprint: 'fp_1', email: 'Jane@Acme.io', name: 'Jane Doe', timestamp: t0 + 1000 } } });
    expect(id.status).toBe(202);
    const visitorId = visitorIdFor(ws.id, 'fp:fp_1');
    const visitor = await eventually(async () => {
      const v = await visitorRepository.findById(visitorId);
      return v?.email ? v : undefined;
    }, 30_000, 'visitor identified');
    expect(visitor.summary.pageVisits).toBe(1);
    expect(visitor.email).toBe('jane@acme.io');
    expect(visitor.firstTouch?.source).toBe('newsletter');
    expect(visitor.company?.domain).toBe('acme.io');
  });
});
