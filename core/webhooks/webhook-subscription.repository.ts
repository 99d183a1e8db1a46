import type { SubscriptionFilters } from './filters';
import { WebhookSubscriptionModel, type WebhookSubscriptionDoc } from './webhook-subscription.model';
import { newestFirst, olderThan, type Cursor } from '../platform/pagination';
import { inWorkspace } from '../platform/workspace-scoping';

export interface SigningSecret {
  secret: string;
  prefix: string;
  createdAt: Date;
  expiresAt?: Date | null;
}

export type NewWebhookSubscription = Pick<WebhookSubscriptionDoc, '_id' | 'workspaceId' | 'url' | 'events' | 'source'> & {
  secrets: SigningSecret[];
  description?: string;
  filters?: SubscriptionFilters;
};

export type SubscriptionChanges = Partial<Pick<WebhookSubscriptionDoc, 'url' | 'events' | 'description' | 'active'>> & {
  filters?: SubscriptionFilters | null;
};

const live = { deletedAt: null };

export const webhookSubscriptionRepository = {
  async insert(sub: NewWebhookSubscription): Promise<WebhookSubscriptionDoc> {
    return (await WebhookSubscriptionModel.create(sub as unknown as WebhookSubscriptionDoc)).toObject() as WebhookSubscriptionDoc;
  },

  async findInWorkspace(workspaceId: string, id: string): Promise<WebhookSubscriptionDoc | null> {
    const sub = inWorkspace(await this.findAnyById(id), workspaceId);
    return sub && !sub.deletedAt ? sub : null;
  },

  /** Including deleted ones: delivery workflows use it to learn a subscription is gone. */
  async findAnyById(id: string): Promise<WebhookSubscriptionDoc | null> {
    return WebhookSubscriptionModel.findById(id).lean<WebhookSubscriptionDoc>();
  },

  async list(workspaceId: string, limit: number, before?: Cursor): Promise<WebhookSubscriptionDoc[]> {
    return WebhookSubscriptionModel.find({ workspaceId, ...live, ...olderThan(before) })
      .sort(newestFirst)
      .limit(limit)
      .lean<WebhookSubscriptionDoc[]>();
  },

  async findActiveForEventType(workspaceId: string, eventType: string): Promise<WebhookSubscriptionDoc[]> {
    return WebhookSubscriptionModel.find({ workspaceId, active: true, events: eventType, ...live }).lean<WebhookSubscriptionDoc[]>();
  },

  async update(workspaceId: string, id: string, changes: SubscriptionChanges): Promise<WebhookSubscriptionDoc | null> {
    const { filters, ...rest } = changes;
    const set: Record<string, unknown> = { ...rest };
    const unset: Record<string, 1> = {};
    if (filters === null) unset.filters = 1;
    else if (filters) set.filters = filters;
    if (changes.active === true) Object.assign(unset, { disabledReason: 1, disabledAt: 1 });
    await WebhookSubscriptionModel.updateOne({ _id: id, workspaceId, ...live }, { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    return this.findInWorkspace(workspaceId, id);
  },

  /**
   * FerretDB applies an update by rewriting the whole document, so another write racing this one
   * (an auto-disable at that moment) can write back the document as it was before the delete.
   * Read back and delete again until it holds, so a 204 means deleted. (Health, written on every
   * attempt, lives in its own document for this reason.)
   */
  async softDelete(workspaceId: string, id: string, at: Date): Promise<boolean> {
    const res = await WebhookSubscriptionModel.updateOne({ _id: id, workspaceId, ...live }, { $set: { deletedAt: at, active: false } });
    if (res.matchedCount !== 1) return false;
    for (let check = 0; check < 5; check++) {
      await new Promise((resolve) => setTimeout(resolve, 20 * (check + 1)));
      const current = await this.findAnyById(id);
      if (!current || current.deletedAt) return true;
      await WebhookSubscriptionModel.updateOne({ _id: id, workspaceId, ...live }, { $set: { deletedAt: at, active: false } });
    }
    return true;
  },

  async replaceSecrets(workspaceId: string, id: string, secrets: SigningSecret[]): Promise<void> {
    await WebhookSubscriptionModel.updateOne({ _id: id, workspaceId, ...live }, { $set: { secrets } });
  },

  /** Returns true only for the call that actually disabled it (so one webhook.disabled event is emitted). */
  async disable(id: string, reason: string, at: Date): Promise<boolean> {
    const res = await WebhookSubscriptionModel.updateOne({ _id: id, active: true, ...live }, { $set: { active: false, disabledReason: reason, disabledAt: at } });
    return res.modifiedCount === 1;
  },
};
