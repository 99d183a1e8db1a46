/**
 * Scale-out correctness of the partitioned ingest pipeline (INGEST_PIPELINE=partitions): one
 * stack with two API servers (the stack's own and startExtraApi) and two worker OS processes on
 * one task queue. Every accepted event is applied exactly once and each visitor's events in the
 * order they were sent, also when one worker process is SIGKILLed while events stream in (the
 * other worker takes the partitions over once Temporal's workflow-task timeouts expire; the
 * interrupted batch's local activity runs again there). The file runs its own Temporal dev
 * server: the worker processes create the cluster-wide schedules (worker/main.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionOf } from '../../core/ingest/ingest-partition';
import { workflowIds } from '../../core/platform/temporal/workflow-ids';
import { visitorRepository } from '../../core/visitors/visitor.repository';
import { ActivityBucketModel, type ActivityBucketDoc } from '../../core/visitors/visitor-activity-bucket.model';
import { IngestEventModel } from '../../core/ingest/ingest-event.model';
import { links, mapLimit, MIN, outboxCountOf, pageview, processedEventsOf, roomyWorkspace, timelineOf, uniqueFingerprint, visitorIdOf } from '../support/ingest-helpers';
import { eventually, type TestStack, type TestWorkspace } from '../support/test-stack';
import type { WorkerProcess } from '../support/worker-process';
import { startScaleOutStack, type ScaleOutStack } from '../support/scale-out-stack';

const PARTITIONS = 8;
const pipelineEnv = { INGEST_PIPELINE: 'partitions', INGEST_PARTITIONS: String(PARTITIONS), INGEST_PARTITION_RUN: '5s', WORKER_MAX_CONCURRENT_ACTIVITIES: String(2 * (PARTITIONS + 4)) };

describe('partitioned ingest scaled out: 2 API servers, 2 worker processes', () => {
  let scale: ScaleOutStack;
  let stack: TestStack;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    scale = await startScaleOutStack('ingest-scale-out', pipelineEnv);
    ({ stack, workers } = scale);
  }, 150_000);
  afterAll(async () => scale?.stop(), 60_000);

  const t0 = Date.now() - 3 * 60 * MIN;
  const apiUrls = () => scale.apiUrls();

  const whileAllAlive = <T>(wait: Promise<T>, except?: WorkerProcess): Promise<T> => scale.whileAllAlive(wait, except);

  /** `n` fresh fingerprints whose visitors spread evenly over the partitions (each gets some events). */
  const spreadFingerprints = (ws: TestWorkspace, prefix: string, n: number): string[] => {
    const perPartition = new Array<number>(PARTITIONS).fill(0);
    const fps: string[] = [];
    for (let tries = 0; fps.length < n && tries < 100_000; tries++) {
      const fp = uniqueFingerprint(prefix);
      const p = partitionOf(ws.id, visitorIdOf(ws, fp), PARTITIONS);
      if (perPartition[p] >= Math.ceil(n / PARTITIONS)) continue;
      perPartition[p]++;
      fps.push(fp);
    }
    return fps;
  };

  /** POST /api/v1/ingest on one of the two API servers; the event's id once accepted (202). */
  const send = async (ws: TestWorkspace, api: number, fp: string, url: string, at: number): Promise<string> => {
    const res = await fetch(`${apiUrls()[api % 2]}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ws.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'pageview', data: pageview(fp, url, { timestamp: at }) }),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 202 || typeof body.id !== 'string') throw new Error(`ingest on API ${api % 2} answered ${res.status}: ${JSON.stringify(body)}`);
    return body.id;
  };

  /**
   * Rounds: in each, every visitor sends its next page view (visitors concurrently, each on the
   * API the round and the visitor pick, so a visitor alternates between the two). A pause of
   * `pauseMs` after each round: a visitor's next page view is sent at least that long after its
   * previous one was accepted. Per-visitor order is the outbox rows' `seq`, from each API's clock:
   * two events of one visitor accepted by different APIs within the same millisecond may be
   * applied swapped; the pause keeps this test about the pipeline, not that race.
   */
  const sendRounds = async (ws: TestWorkspace, fps: string[], sent: Map<string, string[]>, from: number, to: number, pauseMs: number, host: string, stop = () => false) => {
    for (let round = from; round < to && !stop(); round++) {
      await mapLimit(fps, 16, async (fp, i) => {
        const id = await send(ws, round + i, fp, `https://${host}.example/${fp}/${round}`, t0 + round * 1000);
        sent.get(fp)?.push(id);
      });
      await sleep(pauseMs);
    }
  };

  /** Every accepted id applied exactly once, every visitor's page views in send order, nothing in the outbox. */
  const expectAppliedOnceInOrder = async (ws: TestWorkspace, sent: Map<string, string[]>, timeoutMs: number, except?: WorkerProcess) => {
    const all = [...sent.values()].flat();
    await whileAllAlive(
      eventually(async () => ((await processedEventsOf(ws.id)).length >= all.length && (await outboxCountOf(ws.id)) === 0 ? true : undefined), timeoutMs, `all ${all.length} events applied`),
      except,
    );
    const processed = await processedEventsOf(ws.id);
    expect(processed.length).toBe(all.length);
    expect(new Set(processed.map((e) => e._id))).toEqual(new Set(all));
    for (const [fp, ids] of sent) {
      const id = visitorIdOf(ws, fp);
      const visitor = await visitorRepository.findById(id);
      expect({ fp, pageVisits: visitor?.summary.pageVisits }).toEqual({ fp, pageVisits: ids.length });
      const timeline = await timelineOf(id);
      expect(new Set(timeline.map((a) => a.id)).size).toBe(timeline.length);
      expect({ fp, order: links(timeline).map((a) => a.id) }).toEqual({ fp, order: ids });
    }
  };

  it('applies 60 visitors × 8 page views sent through both APIs once each, in order', async () => {
    const ws = await roomyWorkspace(stack, 'Scale-out');
    const fps = spreadFingerprints(ws, 'so', 60);
    const sent = new Map(fps.map((fp) => [fp, [] as string[]]));
    await whileAllAlive(sendRounds(ws, fps, sent, 0, 8, 400, 'scale-out'));
    expect(new Set(fps.map((fp) => partitionOf(ws.id, visitorIdOf(ws, fp), PARTITIONS))).size).toBe(PARTITIONS);
    await expectAppliedOnceInOrder(ws, sent, 60_000);
  }, 120_000);

  it('loses and doubles nothing when a worker process is SIGKILLed mid-batch; the other takes over', async () => {
    const ws = await roomyWorkspace(stack, 'Scale-out kill');
    const fps = spreadFingerprints(ws, 'kill', 40);
    const sent = new Map(fps.map((fp) => [fp, [] as string[]]));
    await whileAllAlive(sendRounds(ws, fps, sent, 0, 4, 250, 'kill'));

    // The victim: the worker running the activity of most partitions.
    const holders = await partitionHolders();
    const count = (pid: number) => [...holders.values()].filter((p) => p === pid).length;
    const victim = [...workers].sort((a, b) => count(b.child.pid ?? 0) - count(a.child.pid ?? 0))[0];
    const survivor = workers.find((w) => w !== victim) as WorkerProcess;
    const victimPid = victim.child.pid as number;
    const held = [...holders].filter(([, pid]) => pid === victimPid).map(([n]) => n);
    expect(held.length).toBeGreaterThan(0);
    const victimVisitors = new Set(fps.map((fp) => visitorIdOf(ws, fp)).filter((id) => held.includes(partitionOf(ws.id, id, PARTITIONS))));

    // A steady stream; meanwhile, watch for a batch of the victim's half written (timeline
    // entries stored, not yet logged as applied). When one shows, freeze the victim (SIGSTOP),
    // let its requests already on the wire land, and look again: still half written means it
    // stopped mid-batch, so SIGKILL it; otherwise the batch had just finished, so let it go on
    // and keep watching. Nobody else applies its partitions until Temporal times its activity out.
    let killed = false;
    const sending = whileAllAlive(sendRounds(ws, fps, sent, 4, 200, 250, 'kill', () => killed), victim);
    sending.catch(() => undefined); // awaited below; a failure meanwhile is not an unhandled rejection
    let interrupted: string[] = [];
    const watchUntil = Date.now() + 40_000;
    while (interrupted.length === 0 && Date.now() < watchUntil) {
      if ((await halfWritten(ws, victimVisitors)).length === 0) continue;
      process.kill(victimPid, 'SIGSTOP');
      await sleep(300);
      interrupted = await halfWritten(ws, victimVisitors);
      if (interrupted.length === 0) process.kill(victimPid, 'SIGCONT');
    }
    expect(interrupted.length).toBeGreaterThan(0);
    process.kill(victimPid, 'SIGKILL');
    killed = true;
    await victim.exited;
    expect(victim.child.signalCode).toBe('SIGKILL');
    await sending;

    await expectAppliedOnceInOrder(ws, sent, 90_000, victim);
    // The partitions the victim held ran on the survivor after Temporal timed out the victim's
    // activity (its heartbeat stopped): a later attempt of the same run, or a later run.
    const after = await partitionHolders();
    for (const n of held) expect({ partition: n, pid: after.get(n) }).toEqual({ partition: n, pid: survivor.child.pid });
    const retried = await Promise.all(held.map(async (n) => (await historyOf(n)).some((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)));
    const pendingRetried = await Promise.all(held.map(async (n) => ((await partitionHandle(n).describe()).raw.pendingActivities ?? []).some((a) => (a.attempt ?? 1) > 1)));
    expect(retried.some(Boolean) || pendingRetried.some(Boolean)).toBe(true);
    expect(survivor.child.exitCode).toBeNull();
  }, 180_000);

  /**
   * Accepted events of `visitorIds` whose timeline entry is stored but which are not logged as
   * applied: a batch in the middle of its writes. Timeline first, then the log (written in that
   * order by the batch), so an id found is half written at the second read.
   */
  const halfWritten = async (ws: TestWorkspace, visitorIds: Set<string>): Promise<string[]> => {
    const buckets = await ActivityBucketModel.find({ workspaceId: ws.id }).lean<ActivityBucketDoc[]>();
    const logged = new Set((await IngestEventModel.find({ workspaceId: ws.id }, { _id: 1 }).lean<Array<{ _id: string }>>()).map((e) => e._id));
    return buckets.filter((b) => visitorIds.has(b.visitorId)).flatMap((b) => b.items.map((a) => a.id)).filter((id) => !logged.has(id));
  };

  const partitionHandle = (partition: number) => stack.temporal.workflow.getHandle(workflowIds.ingestPartition(stack.config.TEMPORAL_TASK_QUEUE, partition));
  const historyOf = async (partition: number) => (await partitionHandle(partition).fetchHistory()).events ?? [];
  /** Partition → pid of the worker running its activity now (the one polling the partition's outbox rows). */
  const partitionHolders = async (): Promise<Map<number, number>> => {
    const holders = new Map<number, number>();
    for (let n = 0; n < PARTITIONS; n++) {
      const pending = (await partitionHandle(n).describe()).raw.pendingActivities ?? [];
      const identity = pending.find((a) => a.state === 2 /* STARTED */)?.lastWorkerIdentity;
      if (identity) holders.set(n, Number.parseInt(identity, 10));
    }
    return holders;
  };
});
