/**
 * Poison input: an event that always fails for a reason of its own is parked after a few
 * attempts, its visitor goes on with the events around it, and the parked event can be listed,
 * replayed and discarded through the API — scoped to its workspace.
 */
import { createLogger } from '../../core/platform/logger';
import { allModels } from '../../core/platform/all-models';
import { parkedEventRepository } from '../../core/visitors/parked-event.repository';
import { ingestRepository } from '../../core/ingest/ingest.repository';
import { sendToVisitor } from '../../core/ingest/send-to-visitor';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { prepareIngestEvent } from '../../core/ingest/accept-ingest-events';
import type { VisitorEvent } from '../../core/visitors/visitor-types';
import { visitorStateQuery } from '../../workflows/visitor.workflow';
import mongoose from 'mongoose';
import { links, pageview, roomyWorkspace, timelineOf, uniqueFingerprint, waitForEmptyOutbox } from '../support/ingest-helpers';
import { eventually, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

describe('parked events (real Temporal visitor workflow and database)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    // The per-visitor pipeline's parking (the partitions' is in ingest-partitions.e2e.ts).
    stack = await startTestStack({ env: { INGEST_PIPELINE: 'visitors' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  function pageEvent(ws: TestWorkspace, fingerprint: string, url: string): VisitorEvent {
    const prepared = prepareIngestEvent({ type: 'pageview', data: pageview(fingerprint, url) }, { workspaceId: ws.id, keyKind: 'publishable', ip: null, userAgent: null, receivedAt: Date.now() });
    if (!prepared.ok) throw new Error('test event did not validate');
    return prepared.event;
  }
  const deps = () => ({ config: stack.config, logger: createLogger('silent', 'test'), temporal: stack.temporal });
  /** Accepted as the API would (outbox first), then handed to the visitor's workflow. */
  async function accept(events: VisitorEvent[]): Promise<void> {
    await ingestRepository.addManyToOutbox(events);
    await sendToVisitor(deps(), { workspaceId: events[0].workspaceId, visitorId: events[0].visitorId, events });
  }
  const urlsOn = async (visitorId: string) => links(await timelineOf(visitorId)).map((l) => l.url);
  const parkedList = async (ws: TestWorkspace) => (await stack.request('GET', '/api/v1/parked-events', { key: ws.secretKey })).body.data as Array<{ id: string; timesParked: number; error: string }>;

  it('parks an event that fails on every attempt; the visitor applies the events around it', async () => {
    const ws = await roomyWorkspace(stack, 'Poison');
    const fp = uniqueFingerprint();
    const before = pageEvent(ws, fp, 'https://poison.example/before');
    const after = pageEvent(ws, fp, 'https://poison.example/after');
    // An event of a type this version does not know (e.g. written by a newer one): the rules throw.
    const poison: VisitorEvent = { ...pageEvent(ws, fp, 'https://poison.example/poison'), type: 'from_the_future' as VisitorEvent['type'] };
    await accept([before, poison, after]);

    await eventually(async () => ((await urlsOn(before.visitorId)).length === 2 ? true : undefined), 60_000, 'the good events applied');
    expect(await urlsOn(before.visitorId)).toEqual(['https://poison.example/before', 'https://poison.example/after']);
    await waitForEmptyOutbox(ws.id);

    const list = await parkedList(ws);
    expect(list).toEqual([expect.objectContaining({ id: poison.id, visitorId: poison.visitorId, type: 'from_the_future', errorType: 'VisitorEventFailed', timesParked: 1 })]);
    expect(list[0].error).toContain('TypeError');
    const one = await stack.request('GET', `/api/v1/parked-events/${poison.id}`, { key: ws.secretKey });
    expect(one.body).toMatchObject({ id: poison.id, event: { data: { url: 'https://poison.example/poison' } } });
    const state = await stack.temporal.workflow.getHandle(workflowIds.visitor(ws.id, poison.visitorId)).query(visitorStateQuery);
    expect(state).toMatchObject({ parked: 1, queued: 0 });

    // Another workspace sees nothing of it.
    const other = await roomyWorkspace(stack, 'Poison neighbour');
    expect(await parkedList(other)).toEqual([]);
    expect((await stack.request('GET', `/api/v1/parked-events/${poison.id}`, { key: other.secretKey })).status).toBe(404);
    expect((await stack.request('POST', `/api/v1/parked-events/${poison.id}/replay`, { key: other.secretKey })).status).toBe(404);
    expect((await stack.request('DELETE', `/api/v1/parked-events/${poison.id}`, { key: other.secretKey })).status).toBe(404);
    expect((await stack.request('GET', '/api/v1/parked-events', { key: ws.publishableKey })).status).toBe(403);

    // Replayed while still poisonous: parked again, counted.
    const replay = await stack.request('POST', `/api/v1/parked-events/${poison.id}/replay`, { key: ws.secretKey });
    expect(replay.status).toBe(202);
    await eventually(async () => ((await parkedList(ws))[0]?.timesParked === 2 ? true : undefined), 60_000, 'parked again');
    await waitForEmptyOutbox(ws.id);

    expect((await stack.request('DELETE', `/api/v1/parked-events/${poison.id}`, { key: ws.secretKey })).status).toBe(204);
    expect(await parkedList(ws)).toEqual([]);
  }, 120_000);

  it('replays a parked event into its visitor once the cause is gone', async () => {
    const ws = await roomyWorkspace(stack, 'Replay');
    const fp = uniqueFingerprint();
    const first = pageEvent(ws, fp, 'https://replay.example/first');
    await accept([first]);
    await eventually(async () => ((await urlsOn(first.visitorId)).length === 1 ? true : undefined), 30_000, 'first applied');
    // Parked by an earlier failure whose cause has been fixed since.
    const parked = pageEvent(ws, fp, 'https://replay.example/parked');
    await parkedEventRepository.park(parked, { message: 'Error: a bug since fixed', type: 'VisitorEventFailed' });

    expect((await stack.request('POST', `/api/v1/parked-events/${parked.id}/replay`, { key: ws.secretKey })).status).toBe(202);
    await eventually(async () => ((await urlsOn(first.visitorId)).length === 2 ? true : undefined), 30_000, 'replayed event applied');
    expect(await urlsOn(first.visitorId)).toEqual(['https://replay.example/first', 'https://replay.example/parked']);
    expect(await parkedList(ws)).toEqual([]);
    await waitForEmptyOutbox(ws.id);
    expect((await stack.request('POST', `/api/v1/parked-events/${parked.id}/replay`, { key: ws.secretKey })).status).toBe(404);
  });

  it('creates every model’s declared indexes at start-up', async () => {
    // A model registered with mongoose but missing from allModels would get no indexes on MongoDB.
    expect(new Set(allModels.map((m) => m.modelName))).toEqual(new Set(mongoose.modelNames()));
    for (const model of allModels) {
      const existing = (await model.collection.listIndexes().toArray()).map((i) => JSON.stringify(i.key));
      for (const [fields] of model.schema.indexes()) expect({ model: model.modelName, index: existing.includes(JSON.stringify(fields)) ? JSON.stringify(fields) : 'missing' }).toEqual({ model: model.modelName, index: JSON.stringify(fields) });
    }
  });
});
