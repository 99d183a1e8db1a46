/**
 * The partitioned ingest pipeline (INGEST_PIPELINE=partitions): events of many visitors applied in
 * batches by a few `ingest-partition-<n>` workflows, each polling its rows of the ingest outbox.
 * Per-visitor order, merges across partitions, idempotent repeats, poison events parked, a
 * Temporal outage, continue-as-new, and the partition `state` query. The file runs its own
 * Temporal dev server (the outage test stops it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/stack/child-process';
import { startTemporalDevServer, type EmbeddedTemporal, type TemporalDevServerOptions } from '../../scripts/stack/temporal';
import { randomAlphanumeric } from '../../core/workspaces/api-keys';
import { createLogger } from '../../core/platform/logger';
import { databaseIsFerretDb } from '../../core/platform/db';
import { ingestRepository } from '../../core/ingest/ingest.repository';
import { partitionOf } from '../../core/ingest/ingest-partition';
import { ensureIngestPartitionsFor } from '../../core/ingest/start-ingest-partitions';
import { PartitionLeaseModel, type PartitionLeaseDoc } from '../../core/ingest/partition-lease.model';
import { prepareIngestEvent } from '../../core/ingest/accept-ingest-events';
import { parkedEventRepository } from '../../core/visitors/parked-event.repository';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { leadIdFor } from '../../core/visitors/visitor-ids';
import type { VisitorEvent } from '../../core/visitors/visitor-types';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { ingestPartitionStateQuery, ingestPartitionWorkflow, outboxSweepWorkflow, type IngestPartitionState } from '../../workflows';
import {
  ingest,
  ingestOk,
  links,
  mapLimit,
  MIN,
  outboxCountOf,
  pageview,
  processedEventsOf,
  roomyWorkspace,
  timelineOf,
  uniqueFingerprint,
  visitorIdOf,
  waitForEmptyOutbox,
  waitForVisitor,
} from '../support/ingest-helpers';
import { eventually, requiredEnv, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';

const PARTITIONS = 4;
const OUTAGE_MS = 32_000;

describe('partitioned ingest pipeline (INGEST_PIPELINE=partitions, private Temporal dev server)', () => {
  let dir: string;
  let serverOptions: TemporalDevServerOptions;
  let temporal: EmbeddedTemporal | undefined;
  let stack: TestStack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signalbox-ingest-partitions-'));
    serverOptions = { bin: requiredEnv('SIGNALBOX_TEMPORAL_BIN'), dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logDir: dir };
    temporal = await startTemporalDevServer(serverOptions);
    process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
    stack = await startTestStack({ env: { INGEST_PIPELINE: 'partitions', INGEST_PARTITIONS: String(PARTITIONS), INGEST_PARTITION_RUN: '2s', OUTBOX_SWEEP_AFTER: '2s' } });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await temporal?.stop();
    if (!process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const t0 = Date.now() - 3 * 60 * MIN;
  const deps = () => ({ config: stack.config, logger: createLogger('silent', 'test'), temporal: stack.temporal });
  const partitionHandle = (n: number) => stack.temporal.workflow.getHandle(workflowIds.ingestPartition(stack.config.TEMPORAL_TASK_QUEUE, n));
  const states = () => Promise.all(Array.from({ length: PARTITIONS }, (_, n) => partitionHandle(n).query(ingestPartitionStateQuery).catch(() => null)));
  const pageEvent = (ws: TestWorkspace, fp: string, url: string, at: number): VisitorEvent => {
    const prepared = prepareIngestEvent({ type: 'pageview', data: pageview(fp, url, { timestamp: at }) }, { workspaceId: ws.id, keyKind: 'publishable', ip: null, userAgent: null, receivedAt: Date.now() });
    if (!prepared.ok) throw new Error('test event did not validate');
    return prepared.event;
  };
  /** Accepted as the API would: written to the outbox, where the partitions find them. */
  const accept = async (events: VisitorEvent[]) => {
    await ingestRepository.addManyToOutbox(events);
    await ensureIngestPartitionsFor(deps(), events);
  };
  const urlsOn = async (visitorId: string) => links(await timelineOf(visitorId)).map((l) => l.url);
  /** A fingerprint whose visitor maps to partition `n` (or not to `n`, with `not`). */
  const fingerprintIn = (ws: TestWorkspace, prefix: string, pick: (p: number) => boolean) => {
    for (;;) {
      const fp = uniqueFingerprint(prefix);
      if (pick(partitionOf(ws.id, visitorIdOf(ws, fp), PARTITIONS))) return fp;
    }
  };

  it('applies page views of many visitors, each visitor’s in order, once, through every partition', async () => {
    // On the embedded FerretDB, batches use one-document commands (databaseIsFerretDb in core/platform/db.ts).
    if (process.env.SIGNALBOX_TEST_MONGO_URI?.includes('127.0.0.1') && process.env.SIGNALBOX_FERRETDB_BIN) expect(databaseIsFerretDb()).toBe(true);
    const ws = await roomyWorkspace(stack, 'Partitions many');
    const fps = Array.from({ length: 40 }, () => uniqueFingerprint('many'));
    const perVisitor = 6;
    const sent = new Map<string, string[]>();
    // Each visitor sends in order; visitors interleave.
    await mapLimit(fps, 20, async (fp) => {
      const ids: string[] = [];
      for (let i = 0; i < perVisitor; i++) ids.push(await ingestOk(stack, ws.publishableKey, 'pageview', pageview(fp, `https://many.example/${fp}/${i}`, { timestamp: t0 + i * 1000 })));
      sent.set(fp, ids);
    });
    for (const fp of fps) {
      const id = visitorIdOf(ws, fp);
      await waitForVisitor(id, (v) => v.summary.pageVisits === perVisitor, `every page view of ${fp}`);
      expect((await timelineOf(id)).filter((a) => a.type === 'links').map((a) => a.id)).toEqual(sent.get(fp));
    }
    await waitForEmptyOutbox(ws.id);
    const processed = await processedEventsOf(ws.id);
    expect(processed.length).toBe(fps.length * perVisitor);
    expect(new Set(processed.map((e) => e._id)).size).toBe(fps.length * perVisitor);
    // 40 visitors cover every partition, and nothing started a visitor workflow.
    const used = new Set(fps.map((fp) => partitionOf(ws.id, visitorIdOf(ws, fp), PARTITIONS)));
    expect(used.size).toBe(PARTITIONS);
    const visitorWorkflows = stack.temporal.workflow.list({ query: `WorkflowId = '${workflowIds.visitor(ws.id, visitorIdOf(ws, fps[0]))}'` });
    for await (const _ of visitorWorkflows) throw new Error('a visitor workflow was started in partitions mode');
  }, 120_000);

  it('answers the partition state query: backlog, applied, last batch, lag; search attributes and memo', async () => {
    const all = await eventually(async () => {
      const s = await states();
      // Counters are reported at the end of each run (INGEST_PARTITION_RUN, 2 s here).
      const reported = s.every((x) => x !== null && x.backlog === 0 && x.applied > 0) && s.reduce((sum, x) => sum + (x?.applied ?? 0), 0) >= 240;
      return reported ? (s as IngestPartitionState[]) : undefined;
    }, 20_000, 'every partition idle, its applied events reported');
    expect(all.reduce((sum, s) => sum + s.applied, 0)).toBeGreaterThanOrEqual(240);
    for (const [n, s] of all.entries()) {
      expect(s).toMatchObject({ partition: n, partitions: PARTITIONS, backlog: 0, parked: expect.any(Number) });
      expect(s.applied).toBeGreaterThan(0);
      expect(s.lastBatch).toMatchObject({ size: expect.any(Number), at: expect.any(String), tookMs: expect.any(Number) });
      expect(s.lastBatch?.size).toBeGreaterThan(0);
      expect(s.lagMs).toBeGreaterThanOrEqual(0);
    }
    const description = await partitionHandle(0).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.searchAttributes.SignalboxStatus).toEqual(['ingesting']);
    expect(await description.memo).toMatchObject({ kind: 'ingest-partition', partition: 0, partitions: PARTITIONS });
  }, 60_000);

  it('merges an anonymous visitor into a known person whose visitor is in another partition', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions merge');
    const laptop = uniqueFingerprint('laptop');
    const laptopPartition = partitionOf(ws.id, visitorIdOf(ws, laptop), PARTITIONS);
    const phone = fingerprintIn(ws, 'phone', (p) => p !== laptopPartition);
    const email = `grace.${laptop.toLowerCase()}@merge.example`;
    const person = visitorIdOf(ws, laptop);
    const second = visitorIdOf(ws, phone);

    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(laptop, 'https://merge.example/one', { timestamp: t0 }));
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: laptop, email, name: 'Grace Hopper', timestamp: t0 + MIN });
    await waitForVisitor(person, (v) => v.email === email, 'the person identified');
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(phone, 'https://merge.example/phone-1', { timestamp: t0 + 2 * MIN }));
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(phone, 'https://merge.example/phone-2', { timestamp: t0 + 3 * MIN }));
    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: phone, email, timestamp: t0 + 4 * MIN });
    const after = await ingestOk(stack, ws.publishableKey, 'pageview', pageview(phone, 'https://merge.example/phone-3', { timestamp: t0 + 5 * MIN }));

    const merged = await waitForVisitor(second, (v) => v.mergedInto !== null, 'the phone merged');
    expect(merged.mergedInto).toBe(person);
    const survivor = await waitForVisitor(person, (v) => v.mergedVisitorIds.includes(second) && v.summary.pageVisits === 4, 'the person to absorb the phone and its later page view');
    expect(survivor).toMatchObject({ email, mergedInto: null, leadId: leadIdFor(person) });
    // Timelines stay per device; the API answers for the person with both.
    const res = await stack.request('GET', `/api/v1/visitors/${encodeURIComponent(email)}/activities?limit=100`, { key: ws.secretKey });
    expect(res.status).toBe(200);
    const urls = (res.body.data as Array<{ activity_type: string; link?: string }>).filter((a) => a.activity_type === 'links').map((a) => a.link);
    expect(urls.sort()).toEqual(['https://merge.example/one', 'https://merge.example/phone-1', 'https://merge.example/phone-2', 'https://merge.example/phone-3']);
    const log = await eventually(async () => (await processedEventsOf(ws.id)).find((e) => e._id === after), 20_000, 'the later page view applied');
    expect(log.appliedTo).toBe(person);
    await waitForEmptyOutbox(ws.id, 20_000);
  }, 90_000);

  it('merges an anonymous visitor into a known person of the same partition and applies the identify that merged it to the person', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions merge same');
    const laptop = uniqueFingerprint('laptop');
    const laptopPartition = partitionOf(ws.id, visitorIdOf(ws, laptop), PARTITIONS);
    const phone = fingerprintIn(ws, 'phone', (p) => p === laptopPartition);
    const email = `ada.${laptop.toLowerCase()}@merge.example`;
    const person = visitorIdOf(ws, laptop);
    const second = visitorIdOf(ws, phone);

    await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: laptop, email, name: 'Ada Lovelace', timestamp: t0 });
    await waitForVisitor(person, (v) => v.email === email, 'the person identified');
    await ingestOk(stack, ws.publishableKey, 'pageview', pageview(phone, 'https://merge.example/phone-1', { timestamp: t0 + MIN }));
    const identify = await ingestOk(stack, ws.secretKey, 'identify', { visitor_fingerprint: phone, email, name: 'Ada King', timestamp: t0 + 2 * MIN });

    // The identify is handed on, same id, to the person in this very partition: applied there, not dropped as seen.
    const log = await eventually(async () => (await processedEventsOf(ws.id)).find((e) => e._id === identify), 20_000, 'the merging identify applied to the person');
    expect(log.appliedTo).toBe(person);
    const survivor = await waitForVisitor(person, (v) => v.mergedVisitorIds.includes(second), 'the person to absorb the phone');
    expect(survivor.person.name).toBe('Ada King');
    await waitForEmptyOutbox(ws.id, 20_000);
  }, 90_000);

  it('applies a repeated batch once (again while queued, and again after it was applied)', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions repeat');
    const fp = uniqueFingerprint('repeat');
    const events = Array.from({ length: 5 }, (_, i) => pageEvent(ws, fp, `https://repeat.example/${i}`, t0 + i * 1000));
    await accept(events);
    await accept(events);
    const id = visitorIdOf(ws, fp);
    await waitForVisitor(id, (v) => v.summary.pageVisits === 5, 'the batch applied');
    await waitForEmptyOutbox(ws.id);
    // In the outbox a third time, after it was applied (a repeat racing the processed log): dropped, outbox stays clean.
    await accept(events.map((e) => ({ ...e, redelivered: true })));
    await waitForEmptyOutbox(ws.id, 20_000);
    await sleep(1_000);
    expect((await visitorRepository.findById(id))?.summary.pageVisits).toBe(5);
    expect(await urlsOn(id)).toEqual(events.map((_, i) => `https://repeat.example/${i}`));
    expect((await processedEventsOf(ws.id)).length).toBe(5);
  }, 60_000);

  it('parks a poison event; its visitor and the other visitors of the batch go on', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions poison');
    const fp = uniqueFingerprint('poison');
    const partition = partitionOf(ws.id, visitorIdOf(ws, fp), PARTITIONS);
    const neighbour = fingerprintIn(ws, 'neighbour', (p) => p === partition);
    const before = pageEvent(ws, fp, 'https://poison.example/before', t0);
    const poison: VisitorEvent = { ...pageEvent(ws, fp, 'https://poison.example/poison', t0 + 1000), type: 'from_the_future' as VisitorEvent['type'] };
    const after = pageEvent(ws, fp, 'https://poison.example/after', t0 + 2000);
    const other = [pageEvent(ws, neighbour, 'https://poison.example/n1', t0), pageEvent(ws, neighbour, 'https://poison.example/n2', t0 + 1000)];
    const parkedBefore = (await partitionHandle(partition).query(ingestPartitionStateQuery)).parked;
    // Written together, so the partition's next poll takes both visitors in one batch.
    await accept([before, other[0], poison, other[1], after]);

    await eventually(async () => ((await urlsOn(before.visitorId)).length === 2 ? true : undefined), 60_000, 'the good events applied');
    expect(await urlsOn(before.visitorId)).toEqual(['https://poison.example/before', 'https://poison.example/after']);
    expect(await urlsOn(other[0].visitorId)).toEqual(['https://poison.example/n1', 'https://poison.example/n2']);
    await waitForEmptyOutbox(ws.id);
    const parked = await parkedEventRepository.findInWorkspace(ws.id, poison.id);
    expect(parked).toMatchObject({ _id: poison.id, timesParked: 1 });
    // The state query counts it once the run that parked it reported (INGEST_PARTITION_RUN).
    const state = await eventually(async () => {
      const s = await partitionHandle(partition).query(ingestPartitionStateQuery);
      return s.parked > parkedBefore && s.runStartedAt !== null ? s : undefined;
    }, 20_000, 'the run that parked it reported');
    expect(state.parked).toBe(parkedBefore + 1);
    expect(state.backlog).toBe(0);
  }, 120_000);

  it('continues as new with its counters; a partition run of an earlier, signal-fed version is replaced', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions continue-as-new');
    const fps = Array.from({ length: 10 }, () => fingerprintIn(ws, 'can', (p) => p === 0));
    const events = fps.flatMap((fp) => Array.from({ length: 4 }, (_, i) => pageEvent(ws, fp, `https://can.example/${fp}/${i}`, t0 + i * 1000)));
    // Partition 0 replaced by a run that reports every 300 ms and continues as new every 2 runs.
    // It is started as a run of the earlier version would have been (no `handover` in its memo).
    await partitionHandle(0).terminate('test: replaced by a short-run partition').catch(() => undefined); // not started when this test runs alone
    const started = await stack.temporal.workflow.start(ingestPartitionWorkflow, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: workflowIds.ingestPartition(stack.config.TEMPORAL_TASK_QUEUE, 0),
      args: [{ partition: 0, partitions: PARTITIONS, runForMs: 300, runsPerWorkflowRun: 2 }],
      memo: { kind: 'ingest-partition', partition: 0, partitions: PARTITIONS },
    });
    // The terminated run's activity polls on until its heartbeat tells it; once the new run holds
    // the partition's lease, it stops at its next batch and applies none of these.
    await eventually(async () => ((await PartitionLeaseModel.findById(started.workflowId).lean<PartitionLeaseDoc>())?.owner?.startsWith(started.firstExecutionRunId) ? true : undefined), 20_000, 'the new run to hold the partition');
    for (let i = 0; i < events.length; i += 8) {
      await ingestRepository.addManyToOutbox(events.slice(i, i + 8));
      await sleep(150);
    }
    for (const fp of fps) await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 4, `every page view of ${fp}`);
    await waitForEmptyOutbox(ws.id);
    let seen: IngestPartitionState | undefined;
    const state = await eventually(async () => {
      seen = await partitionHandle(0).query(ingestPartitionStateQuery);
      return seen.applied >= events.length && seen.runId !== started.firstExecutionRunId ? seen : undefined;
    }, 20_000, 'the partition to count every event in a later run').catch((err: Error) => {
      throw new Error(`${err.message}; last state ${JSON.stringify(seen)}`);
    });
    expect(state).toMatchObject({ partition: 0, applied: events.length, backlog: 0, parked: 0 });
    expect(state.batches).toBeGreaterThan(0);
    const runs: string[] = [];
    for await (const wf of stack.temporal.workflow.list({ query: `WorkflowId = '${started.workflowId}' AND StartTime >= '${new Date(Date.now() - 60_000).toISOString()}'` })) runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(2);
    expect((await processedEventsOf(ws.id)).length).toBe(events.length);

    // The worker's start-up check replaces a run without the outbox hand-over in its memo (this one), and starts the partitions.
    const { replaceSignalFedPartitions, ensureAllIngestPartitions } = await import('../../core/ingest/start-ingest-partitions');
    expect(await replaceSignalFedPartitions(deps())).toEqual([0]);
    await ensureAllIngestPartitions({ ...deps(), temporal: stack.temporal });
    const replaced = await partitionHandle(0).describe();
    expect(replaced.status.name).toBe('RUNNING');
    expect(replaced.runId).not.toBe(state.runId);
    expect(await replaced.memo).toMatchObject({ handover: 'outbox' });
    expect(await replaceSignalFedPartitions(deps())).toEqual([]);
  }, 90_000);

  it('answers 202 while Temporal is down; once it is back the partitions apply everything once, in order', async () => {
    const ws = await roomyWorkspace(stack, 'Partitions outage');
    const fps = [uniqueFingerprint('out-a'), uniqueFingerprint('out-b'), uniqueFingerprint('out-c')];
    const sent = new Map<string, string[]>(fps.map((fp) => [fp, []]));
    const failures: string[] = [];
    let n = 0;
    const send = async (fp: string) => {
      const i = n++;
      const res = await ingest(stack, ws.publishableKey, 'pageview', pageview(fp, `https://outage.example/${fp}/${i}`, { timestamp: t0 + i * 1000 }));
      if (res.status !== 202) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      else sent.get(fp)?.push(res.body.id);
    };
    for (const fp of fps) await send(fp);
    for (const fp of fps) await waitForVisitor(visitorIdOf(ws, fp), (v) => v.summary.pageVisits === 1, 'before the outage');

    await temporal?.stop();
    temporal = undefined;
    const downSince = Date.now();
    // A partition run in progress goes on polling until its INGEST_PARTITION_RUN (2 s) is over; then none can start.
    await sleep(3_000);
    for (let i = 0; i < 12; i++) await send(fps[i % fps.length]);
    while (Date.now() - downSince < OUTAGE_MS) await sleep(200);
    expect(failures).toEqual([]);
    expect(await outboxCountOf(ws.id)).toBeGreaterThan(0);

    temporal = await startTemporalDevServer(serverOptions); // same port, same data file
    await sleep(1_000);
    for (let i = 0; i < 3; i++) await send(fps[i]); // after the restart: these wait behind the older ones
    expect(failures).toEqual([]);

    const sweep = () => stack.temporal.workflow.execute(outboxSweepWorkflow, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `test-outbox-sweep-${randomAlphanumeric(10)}`, args: [] });
    const deadline = Date.now() + 120_000;
    for (;;) {
      await sweep();
      const emptied = await eventually(async () => ((await outboxCountOf(ws.id)) === 0 ? true : undefined), 5_000, 'the outbox').catch(() => false);
      if (emptied) break;
      if (Date.now() > deadline) throw new Error(`the outbox still holds ${await outboxCountOf(ws.id)} events`);
    }
    for (const fp of fps) {
      const id = visitorIdOf(ws, fp);
      const expected = sent.get(fp) ?? [];
      await waitForVisitor(id, (v) => v.summary.pageVisits === expected.length, `every page view of ${fp}`);
      expect((await timelineOf(id)).filter((a) => a.type === 'links').map((a) => a.id)).toEqual(expected);
    }
    const processed = await processedEventsOf(ws.id);
    expect(processed.length).toBe([...sent.values()].flat().length);
    expect((await sweep()).redispatched).toBe(0);
  }, 240_000);
});
