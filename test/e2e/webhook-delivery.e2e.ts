import { Webhook } from 'standardwebhooks';
import { DeliveryModel } from '../../shared/models/delivery.model';
import { TestReceiver } from '../support/receiver';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

const leadCreated = (id: string) => ({
  id,
  visitor_id: 'vis_1',
  full_name: 'Jane Doe',
  email: 'jane@example.com',
  phone: null,
  lead_source: 'meta',
  utm_source: 'facebook',
  utm_medium: 'cpc',
  utm_campaign: 'spring_sale',
  status: 'new',
  value: 2400,
  created_at: '2026-04-20T18:30:15.000Z',
});

describe('webhook delivery (real Temporal, database and HTTP receivers)', () => {
  let stack: TestStack;
  let ws: TestWorkspace;
  const receivers: TestReceiver[] = [];
  const receiver = async () => {
    const r = await TestReceiver.start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    stack = await startTestStack({ env: { WEBHOOK_RETRY_SCHEDULE: '0s,200ms,200ms,200ms', WEBHOOK_RETRY_JITTER: '0', WEBHOOK_TIMEOUT: '1s' } });
  });
  // Each test gets its own workspace, so its subscriptions see only its own events.
  beforeEach(async () => {
    ws = await stack.createWorkspace(expect.getState().currentTestName ?? 'Deliveries');
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack.close();
  });

  const subscribe = async (url: string, events: string[], extra: Record<string, unknown> = {}) => {
    const res = await stack.request('POST', '/api/v1/webhooks', { key: ws.secretKey, body: { url, events, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };
  const emit = async (type: string, data: unknown, id?: string) => {
    const res = await stack.admin('POST', `/workspaces/${ws.id}/events`, { type, data, ...(id ? { id } : {}) });
    expect(res.status).toBe(202);
    return res.body as { event: { id: string }; deliveryIds: string[] };
  };
  const settled = (deliveryId: string) =>
    eventually(async () => {
      const res = await stack.request('GET', `/api/v1/deliveries/${deliveryId}`, { key: ws.secretKey });
      return res.body.status !== 'pending' ? res.body : undefined;
    }, 30_000, `delivery ${deliveryId} to finish`);

  it('delivers a signed Standard Webhooks request that the standardwebhooks package verifies', async () => {
    const r = await receiver();
    const sub = await subscribe(`${r.url}/hook`, ['lead.created']);
    const { event, deliveryIds } = await emit('lead.created', leadCreated('lead_sig'));
    const [req] = await r.waitForRequests(1);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^Signalbox-Webhooks\/\d+\.\d+\.\d+$/);
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(req.headers['x-signalbox-event']).toBe('lead.created');
    expect(req.headers['x-signalbox-delivery']).toBe(deliveryIds[0]);
    const payload = new Webhook(sub.secret).verify(req.body, req.headers as Record<string, string>) as { id: string; type: string; createdAt: string; data: { id: string } };
    expect(payload).toMatchObject({ id: event.id, type: 'lead.created', data: { id: 'lead_sig', email: 'jane@example.com' } });
    expect(new Date(payload.createdAt).toISOString()).toBe(payload.createdAt);
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ number: 1, series: 1, httpStatus: 200, errorClass: null });
  });

  it('retries 500, 500, 200 and records exactly one success after three attempts', async () => {
    const r = (await receiver()).reply({ status: 500, body: 'boom' }, 500, 200);
    await subscribe(r.url, ['lead.created']);
    const { deliveryIds } = await emit('lead.created', leadCreated('lead_retry'));
    const delivery = await settled(deliveryIds[0]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([500, 500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ errorClass: 'http_status', responseBody: 'boom' });
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1); // stable id for de-duplication
  });
});
