import { DeliveryModel, MAX_STORED_ATTEMPTS, type DeliveryAttempt, type DeliveryDoc, type DeliveryStage, type DeliveryStatus } from './delivery.model';
import { databaseIsFerretDb } from '../platform/db';
import { deliveryBacklogRepository } from './delivery-backlog.repository';
import { deliveryQueueRepository } from './delivery-queue.repository';
import { newerThan, newestFirst, olderThan, sinceFilter, type Cursor } from '../platform/pagination';
import { inWorkspace } from '../platform/workspace-scoping';

export type NewDelivery = Pick<DeliveryDoc, '_id' | 'workspaceId' | 'eventId' | 'eventType' | 'subscriptionId' | 'url' | 'workflowId'> & { replayId?: string };

export interface DeliveryListFilter {
  subscriptionId?: string;
  status?: DeliveryStatus;
  eventType?: string;
}

export const deliveryRepository = {
  async insert(delivery: NewDelivery): Promise<DeliveryDoc> {
    return (await DeliveryModel.create({ ...delivery, status: 'pending', series: 1, stage: 'batch' })).toObject() as DeliveryDoc;
  },

  async findById(id: string): Promise<DeliveryDoc | null> {
    return DeliveryModel.findById(id).lean<DeliveryDoc>();
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<DeliveryDoc | null> {
    return inWorkspace(await this.findById(id), workspaceId);
  },

  async listForEvent(workspaceId: string, eventId: string): Promise<DeliveryDoc[]> {
    return DeliveryModel.find({ workspaceId, eventId }).sort({ createdAt: 1 }).lean<DeliveryDoc[]>();
  },

  /** A workspace's deliveries, newest first, optionally of one subscription, status or event type. */
  async list(workspaceId: string, q: DeliveryListFilter & { limit: number; before?: Cursor; since?: Date }): Promise<DeliveryDoc[]> {
    return DeliveryModel.find({
      workspaceId,
      ...(q.subscriptionId ? { subscriptionId: q.subscriptionId } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.eventType ? { eventType: q.eventType } : {}),
      $and: [olderThan(q.before), sinceFilter(q.since)],
    })
      .sort(newestFirst)
      .limit(q.limit)
      .lean<DeliveryDoc[]>();
  },

  /** Creation time and status of each of the workspace's deliveries created since `from` (the stats bucket them). */
  async outcomesSince(workspaceId: string, from: Date): Promise<Array<Pick<DeliveryDoc, 'createdAt' | 'status'>>> {
    return DeliveryModel.find({ workspaceId, createdAt: { $gte: from } }, { createdAt: 1, status: 1 }).lean<Array<Pick<DeliveryDoc, 'createdAt' | 'status'>>>();
  },

  /**
   * Everything not delivered: failed, canceled while disabled, and pending (waiting for a retry),
   * created between `since` and `until`; a page of it, oldest first, after the cursor `after`.
   */
  async findRecoverable(workspaceId: string, subscriptionId: string, q: { since: Date; until: Date; after?: Cursor; limit: number }): Promise<DeliveryDoc[]> {
    return DeliveryModel.find({
      workspaceId,
      subscriptionId,
      status: { $in: ['failed', 'canceled', 'pending'] },
      $and: [{ createdAt: { $gte: q.since, $lte: q.until } }, newerThan(q.after)],
    })
      .sort({ createdAt: 1, _id: 1 })
      .limit(q.limit)
      .lean<DeliveryDoc[]>();
  },

  async findPendingForSubscription(workspaceId: string, subscriptionId: string): Promise<DeliveryDoc[]> {
    return DeliveryModel.find({ workspaceId, subscriptionId, status: 'pending' }).lean<DeliveryDoc[]>();
  },

  /**
   * Appends an attempt, keeping the MAX_STORED_ATTEMPTS most recent; on success or a final
   * failure also closes the delivery. `delivery` is as read before the attempt.
   */
  async recordAttempt(delivery: Pick<DeliveryDoc, '_id' | 'attempts'>, attempt: DeliveryAttempt, outcome: AttemptOutcomeWrite): Promise<void> {
    await DeliveryModel.updateOne({ _id: delivery._id }, attemptUpdate(attempt, outcome));
    if (delivery.attempts.length + 1 > MAX_STORED_ATTEMPTS) await this.dropAttemptsOverCap(delivery._id);
  },

  /**
   * The attempts of a batch: one bulkWrite on MongoDB, parallel `_id` updates on FerretDB (see
   * databaseIsFerretDb). `storedAttempts` is how many the delivery held before (for the cap).
   */
  async recordAttempts(entries: Array<{ id: string; storedAttempts: number; attempt: DeliveryAttempt; outcome: AttemptOutcomeWrite }>): Promise<void> {
    if (entries.length === 0) return;
    if (databaseIsFerretDb()) await Promise.all(entries.map((e) => DeliveryModel.updateOne({ _id: e.id }, attemptUpdate(e.attempt, e.outcome))));
    else await DeliveryModel.bulkWrite(entries.map((e) => ({ updateOne: { filter: { _id: e.id }, update: attemptUpdate(e.attempt, e.outcome) } })), { ordered: false });
    await Promise.all(entries.filter((e) => e.storedAttempts + 1 > MAX_STORED_ATTEMPTS).map((e) => this.dropAttemptsOverCap(e.id)));
  },

  /**
   * Puts pending deliveries in a stage (e.g. `waiting` for their endpoint) without an attempt.
   * On FerretDB a filter of `_id` plus anything else is not served by the `_id` index: each
   * update scanned the whole table (5 s per delivery at a few thousand rows on the 2-core box,
   * so an outage backlog never finished going to wait). There each delivery is read and updated
   * by `_id` alone, as `close` does; a closed one is left alone.
   */
  async setStage(ids: string[], stage: DeliveryStage): Promise<void> {
    if (ids.length === 0) return;
    const update = { $set: { stage, ...(stage === 'waiting' ? { nextAttemptAt: null } : {}) } };
    if (databaseIsFerretDb()) {
      await Promise.all(
        ids.map(async (id) => {
          const current = await this.findById(id);
          if (current?.status === 'pending') await DeliveryModel.updateOne({ _id: id }, update);
        }),
      );
    } else await DeliveryModel.updateMany({ _id: { $in: ids }, status: 'pending' }, update);
  },

  /** The endpoint's deliveries waiting for its circuit to close, oldest first (ids from delivery_backlog). */
  async findWaiting(subscriptionId: string, limit: number): Promise<DeliveryDoc[]> {
    const ids = await deliveryBacklogRepository.oldest(subscriptionId, limit);
    const docs = await Promise.all(ids.map((id) => this.findById(id)));
    const stale = ids.filter((_id, i) => docs[i]?.status !== 'pending' || docs[i]?.stage !== 'waiting');
    // A row whose delivery moved on (sent by a retry or recover meanwhile): drop it.
    await deliveryBacklogRepository.remove(stale);
    return docs.filter((d): d is DeliveryDoc => d !== null && d.status === 'pending' && d.stage === 'waiting');
  },

  /** Pending deliveries of a subscription per stage (its health page): queued and waiting from their small collections, retrying from deliveries. */
  async countPendingByStage(workspaceId: string, subscriptionId: string): Promise<Record<DeliveryStage, number>> {
    const [batch, workflow, waiting] = await Promise.all([
      deliveryQueueRepository.countForSubscription(subscriptionId),
      DeliveryModel.countDocuments({ workspaceId, subscriptionId, status: 'pending', stage: 'workflow' }),
      deliveryBacklogRepository.count(subscriptionId),
    ]);
    return { batch, workflow, waiting };
  },

  /** Closes every delivery waiting for the endpoint (it was deleted or disabled); returns how many. */
  async cancelWaiting(subscriptionId: string, reason: string): Promise<number> {
    const res = await DeliveryModel.updateMany(
      { subscriptionId, stage: 'waiting', status: 'pending' },
      { $set: { status: 'canceled', statusReason: reason, completedAt: new Date(), nextAttemptAt: null } },
    );
    await deliveryBacklogRepository.removeForSubscription(subscriptionId);
    return res.modifiedCount;
  },

  /**
   * FerretDB v1.24 accepts `$slice` in `$push` but ignores it: there the oldest attempts go one
   * `$pop` at a time. Each `$pop` applies only while the array is over the cap, so where `$slice`
   * worked (MongoDB) the first one matches nothing.
   */
  async dropAttemptsOverCap(id: string): Promise<void> {
    for (;;) {
      const { modifiedCount } = await DeliveryModel.updateOne({ _id: id, [`attempts.${MAX_STORED_ATTEMPTS}`]: { $exists: true } }, { $pop: { attempts: -1 } });
      if (modifiedCount === 0) return;
    }
  },

  /** Closes a pending delivery; one already closed keeps its outcome. */
  async close(id: string, status: Exclude<DeliveryStatus, 'pending'>, reason: string): Promise<void> {
    const current = await this.findById(id);
    if (current?.status !== 'pending') return;
    await DeliveryModel.updateOne({ _id: id }, { $set: { status, statusReason: reason, completedAt: new Date(), nextAttemptAt: null } });
  },

  /** Re-opens a closed delivery for a new attempt series (retry / recover). */
  async reopen(id: string): Promise<DeliveryDoc | null> {
    await DeliveryModel.updateOne({ _id: id }, { $set: { status: 'pending', stage: 'workflow', completedAt: null, nextAttemptAt: new Date() }, $unset: { statusReason: 1 }, $inc: { series: 1 } });
    return this.findById(id);
  },

  /** Retention: finished deliveries only; one still pending (retrying, or a new series) is kept whatever its age. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await DeliveryModel.deleteMany({ createdAt: { $lt: cutoff }, status: { $ne: 'pending' } })).deletedCount;
  },

  /** Events that deliveries still pending will send (retention keeps them). */
  async eventIdsPendingOlderThan(cutoff: Date): Promise<string[]> {
    return DeliveryModel.distinct('eventId', { createdAt: { $lt: cutoff }, status: 'pending' });
  },
};

export interface AttemptOutcomeWrite {
  status: DeliveryStatus;
  reason?: string;
  nextAttemptAt: Date | null;
  /** Who has it next, when it stays pending. */
  stage?: DeliveryStage;
}

function attemptUpdate(attempt: DeliveryAttempt, outcome: AttemptOutcomeWrite) {
  const closed = outcome.status !== 'pending';
  return {
    $push: { attempts: { $each: [attempt], $slice: -MAX_STORED_ATTEMPTS } },
    $set: {
      status: outcome.status,
      lastAttemptAt: attempt.startedAt,
      nextAttemptAt: outcome.nextAttemptAt,
      completedAt: closed ? new Date() : null,
      ...(outcome.stage ? { stage: outcome.stage } : {}),
      ...(outcome.reason ? { statusReason: outcome.reason } : {}),
    },
  };
}
