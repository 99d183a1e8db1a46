import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../scripts/stack/child-process';
import { startTemporalDevServer, type EmbeddedTemporal, type TemporalDevServerOptions } from '../../scripts/stack/temporal';
import { randomAlphanumeric } from '../../core/workspaces/api-keys';
import { LeadModel } from '../../core/leads/lead.model';
import { ingestRepository } from '../../core/ingest/ingest.repository';
import { prepareIngestEvent } from '../../core/ingest/accept-ingest-events';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { leadIdFor } from '../../core/visitors/visitor-ids';
import {
  ingest,
  ingestOk,
  outboxCountOf,
  pageview,
  processedEventsOf,
  roomyWorkspace,
  timelineOf,
  uniqueFingerprint,
  visitorIdOf,
  waitForVisitor,
  type Accepted,
} from '../support/ingest-helpers';
import { eventually, requiredEnv, startTestStack, type TestStack, type TestWorkspace } from '../support/test-stack';
import { outboxSweepWorkflow } from '../../workflows';

/**
 * Ingest during a Temporal outage with the per-visitor pipeline (INGEST_PIPELINE=visitors, whose
 * hand-over is a signal the API's dispatcher sends): the API stores every event in the outbox and
 * answers 202; once Temporal is back, the visitor workflows and the outbox sweep apply each stored
 * event exactly once. (The partitions poll the outbox: their outage test is in
 * ingest-partitions.e2e.ts.) The file runs its own Temporal dev server (it stops it), on its own
 * port and data file.
 */
const OUTAGE_MS = 32_000;

describe('ingest survives a Temporal outage (private Temporal dev server)', () => {
  let dir: string;
  let serverOptions: TemporalDevServerOptions;
  let temporal: EmbeddedTemporal | undefined;
  let stack: TestStack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signalbox-ingest-outage-'));
    serverOptions = { bin: requiredEnv('SIGNALBOX_TEMPORAL_BIN'), dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logDir: dir };
    temporal = await startTemporalDevServer(serverOptions);
    // This jest file's own process.env: startTestStack reads its Temporal address from here.
    process.env.SIGNALBOX_TEST_TEMPORAL_ADDRESS = temporal.address;
    stack = await startTestStack({ env: { INGEST_PIPELINE: 'visitors', OUTBOX_SWEEP_AFTER: '2s' } });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    await temporal?.stop();
    if (!process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const sweep = () =>
    stack.temporal.workflow.execute(outboxSweepWorkflow, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, workflowId: `test-outbox-sweep-${randomAlphanumeric(10)}`, args: [] });

  it('answers 202 while Temporal is down, then applies every stored event exactly once', async () => {
    const ws: TestWorkspace = await roomyWorkspace(stack, 'Ingest outage');
    const known = uniqueFingerprint('known'); // has a running workflow before the outage
    const fresh = uniqueFingerprint('fresh'); // first seen during the outage
    const identified = uniqueFingerprint('ident'); // identifies during the outage
    const orphan = uniqueFingerprint('orphan'); // sent only to an API process that dies during the outage
    const fingerprints = [known, fresh, identified];
    const email = `outage.${identified.toLowerCase()}@outage.example`;
    const t0 = Date.now() - 2 * 60 * 60_000;

    /** Accepted pageview ids per fingerprint, and every accepted event id. */
    const pageviews = new Map<string, string[]>([...fingerprints, orphan].map((fp) => [fp, []]));
    const acceptedIds = new Set<string>();
    const failures: string[] = [];
    let slowest = 0;
    let seq = 0;
    const sendPageview = async (fp: string) => {
      const n = seq++;
      const started = Date.now();
      const res = await ingest(stack, ws.publishableKey, 'pageview', pageview(fp, `https://outage.example/${fp}/${n}`, { timestamp: t0 + n * 1000 }));
      slowest = Math.max(slowest, Date.now() - started);
      if (res.status !== 202) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      else {
        pageviews.get(fp)?.push(res.body.id);
        acceptedIds.add(res.body.id);
      }
    };

    // Before the outage: the known visitor's workflow is running and has applied its events.
    for (let i = 0; i < 3; i++) await sendPageview(known);
    await waitForVisitor(visitorIdOf(ws, known), (v) => v.summary.pageVisits === 3, 'the events before the outage');

    // A steady stream of page views across the outage.
    let streaming = true;
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        await sendPageview(fingerprints[i % fingerprints.length]);
        await sleep(100);
      }
    })();

    await sleep(500);
    await temporal?.stop();
    temporal = undefined;
    const downSince = Date.now();

    // While it is down: an identify, a batch, and a message sent twice.
    acceptedIds.add(await ingestOk(stack, ws.publishableKey, 'identify', { visitor_fingerprint: identified, email, name: 'Out Age', timestamp: t0 + 500_000 }));
    const batch = await stack.request('POST', '/api/v1/ingest/batch', {
      key: ws.publishableKey,
      body: { events: [{ type: 'pageview', data: pageview(fresh, 'https://outage.example/batch/1', { timestamp: t0 + 600_000 }) }, { type: 'pageview', data: { url: 'invalid' } }, { type: 'event', data: { visitor_fingerprint: fresh, event_name: 'outage_event', timestamp: t0 + 600_001 } }] },
    });
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 2, rejected: 1 });
    pageviews.get(fresh)?.push(batch.body.results[0].id);
    acceptedIds.add(batch.body.results[0].id);
    acceptedIds.add(batch.body.results[2].id);
    const messageId = `outage-${fresh}`;
    const once = await ingest<Accepted>(stack, ws.publishableKey, 'pageview', pageview(fresh, 'https://outage.example/message', { timestamp: t0 + 700_000 }), { messageId });
    const twice = await ingest<Accepted>(stack, ws.publishableKey, 'pageview', pageview(fresh, 'https://outage.example/message', { timestamp: t0 + 700_000 }), { messageId });
    expect(once.status).toBe(202);
    expect(twice.body).toEqual({ success: true, id: once.body.id, duplicate: true });
    pageviews.get(fresh)?.push(once.body.id);
    acceptedIds.add(once.body.id);

    // An API process that crashed right after its durable write (before any hand-off to Temporal)
    // left these in the outbox: only the outbox sweep can apply them.
    const crashedAt = Date.now() - 60_000;
    for (let i = 0; i < 4; i++) {
      const prepared = prepareIngestEvent({ type: 'pageview', data: pageview(orphan, `https://outage.example/orphan/${i}`, { timestamp: t0 + 800_000 + i }) }, { workspaceId: ws.id, keyKind: 'publishable', ip: '127.0.0.1', userAgent: 'crashed-api', receivedAt: crashedAt });
      if (!prepared.ok) throw prepared.error;
      expect(await ingestRepository.addToOutbox(prepared.event)).toBe(true);
      pageviews.get(orphan)?.push(prepared.event.id);
      acceptedIds.add(prepared.event.id);
    }

    // Keep the outage going longer than the client's own gRPC retries (about 25 s): the API's
    // dispatcher gives up on its hand-offs and leaves them to the sweep; the 202s never wait for it.
    while (Date.now() - downSince < OUTAGE_MS) await sleep(200);
    expect(await outboxCountOf(ws.id)).toBeGreaterThan(0);
    expect((await visitorRepository.findById(visitorIdOf(ws, fresh)))?.summary.pageVisits ?? 0).toBeLessThan(pageviews.get(fresh)?.length ?? 0);

    temporal = await startTemporalDevServer(serverOptions); // same port, same data file
    expect(temporal.address).toBe(stack.config.TEMPORAL_ADDRESS);
    await sleep(1_000);
    streaming = false;
    await stream;

    expect(failures).toEqual([]);
    // Waiting on Temporal would take the client's ~25 s of retries; leave room for a loaded CI machine.
    expect(slowest).toBeLessThan(10_000);
    const expected = new Map([...pageviews].map(([fp, ids]) => [fp, ids.length]));
    expect(expected.get(known)).toBeGreaterThan(5);
    expect(expected.get(fresh)).toBeGreaterThan(3);

    // Without the sweep, the crashed process's events stay in the outbox, unapplied.
    await sleep(3_000);
    expect((await visitorRepository.findById(visitorIdOf(ws, orphan)))?.summary.pageVisits ?? 0).toBe(0);

    // The sweep hands over whatever the API could not (the minutely schedule's job; run here directly),
    // pass after pass until the outbox is empty: events younger than OUTBOX_SWEEP_AFTER wait for a later pass.
    let redispatched = 0;
    const deadline = Date.now() + 90_000;
    for (;;) {
      redispatched += (await sweep()).redispatched;
      const emptied = await eventually(async () => ((await outboxCountOf(ws.id)) === 0 ? true : undefined), 5_000, 'the outbox').catch(() => false);
      if (emptied) break;
      if (Date.now() > deadline) throw new Error(`the outbox still holds ${await outboxCountOf(ws.id)} events`);
    }
    expect(redispatched).toBeGreaterThanOrEqual(4);

    for (const fp of [...fingerprints, orphan]) {
      const id = visitorIdOf(ws, fp);
      const visitor = await waitForVisitor(id, (v) => v.summary.pageVisits >= (expected.get(fp) ?? 0), `every page view of ${fp}`);
      expect({ fp, pageVisits: visitor.summary.pageVisits }).toEqual({ fp, pageVisits: expected.get(fp) });
      const linkIds = (await timelineOf(id)).filter((a) => a.type === 'links').map((a) => a.id);
      expect(linkIds.length).toBe(new Set(linkIds).size);
      expect(new Set(linkIds)).toEqual(new Set(pageviews.get(fp)));
      // Applied in arrival order: events sent after the restart did not overtake those left to the sweep.
      if (fp === known || fp === identified) expect(linkIds).toEqual(pageviews.get(fp));
    }
    const person = await visitorRepository.findById(visitorIdOf(ws, identified));
    expect(person).toMatchObject({ email, person: { name: 'Out Age' }, leadId: leadIdFor(visitorIdOf(ws, identified)) });
    expect(await LeadModel.countDocuments({ workspaceId: ws.id })).toBe(1);

    const processed = await processedEventsOf(ws.id);
    expect(processed.length).toBe(acceptedIds.size);
    expect(new Set(processed.map((e) => e._id))).toEqual(acceptedIds);

    // Nothing is left to sweep, and sweeping again changes nothing.
    const again = await sweep();
    expect(again.redispatched).toBe(0);
    await sleep(1_000);
    for (const fp of [...fingerprints, orphan]) expect((await visitorRepository.findById(visitorIdOf(ws, fp)))?.summary.pageVisits).toBe(expected.get(fp));
  }, 180_000);
});
