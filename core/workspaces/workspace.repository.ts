import type { Plan } from '../events/event-catalogue';
import { WorkspaceModel, type WorkspaceDoc } from './workspace.model';

export interface NewWorkspace {
  _id: string;
  name: string;
  plan: Plan;
  entitledEventTypes: string[];
  isDemo: boolean;
  rateLimits?: { perMinute?: number; perDay?: number };
  webhookSettings?: { retryScheduleMs?: number[]; timeoutMs?: number };
  identitySecret?: string;
}

export type WorkspaceChanges = Partial<Pick<NewWorkspace, 'name' | 'plan' | 'entitledEventTypes' | 'rateLimits' | 'webhookSettings'>>;

const CACHE_MS = 5_000;
const cache = new Map<string, { doc: WorkspaceDoc; until: number }>();
/** Bumped by every change: a read that started before a change must not cache what it read. */
let generation = 0;

/** Drops the cached copy around a write: a read racing the write cannot put the old one back. */
async function changing<T>(id: string, write: () => Promise<T>): Promise<T> {
  generation++;
  cache.delete(id);
  try {
    return await write();
  } finally {
    generation++;
    cache.delete(id);
  }
}

export const workspaceRepository = {
  /**
   * For hot paths (fan-out, delivery attempts, authentication): a workspace's settings change
   * rarely, so each process may use a copy up to 5 s old. Changes made here drop the copy.
   */
  async findByIdCached(id: string): Promise<WorkspaceDoc | null> {
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.doc;
    const readAt = generation;
    const doc = await this.findById(id);
    if (doc && readAt === generation) cache.set(id, { doc, until: Date.now() + CACHE_MS });
    return doc;
  },

  async insert(workspace: NewWorkspace): Promise<WorkspaceDoc> {
    const doc = await WorkspaceModel.create(workspace);
    return doc.toObject() as WorkspaceDoc;
  },

  async findById(id: string): Promise<WorkspaceDoc | null> {
    return WorkspaceModel.findById(id).lean<WorkspaceDoc>();
  },

  async findDemo(): Promise<WorkspaceDoc | null> {
    return WorkspaceModel.findOne({ isDemo: true }).sort({ createdAt: 1 }).lean<WorkspaceDoc>();
  },

  /** Every workspace, a page at a time in `_id` order (operator commands over all of them). */
  async pageAfter(afterId: string | null, limit: number): Promise<WorkspaceDoc[]> {
    return WorkspaceModel.find(afterId ? { _id: { $gt: afterId } } : {})
      .sort({ _id: 1 })
      .limit(limit)
      .lean<WorkspaceDoc[]>();
  },

  async count(): Promise<number> {
    return WorkspaceModel.countDocuments();
  },

  async list(limit: number): Promise<WorkspaceDoc[]> {
    return WorkspaceModel.find().sort({ createdAt: -1, _id: -1 }).limit(limit).lean<WorkspaceDoc[]>();
  },

  async update(id: string, changes: WorkspaceChanges): Promise<WorkspaceDoc | null> {
    await changing(id, () => WorkspaceModel.updateOne({ _id: id }, { $set: changes }));
    return this.findById(id);
  },

  async setProvisioningWorkflow(id: string, workflowId: string): Promise<void> {
    await WorkspaceModel.updateOne({ _id: id }, { $set: { provisioningWorkflowId: workflowId } });
  },

  /**
   * Sets the identity-verification secret: always when rotating, else only where none exists
   * (workspaces created before identity verification get one on first use). Returns the secret now in force.
   */
  async setIdentitySecret(id: string, secret: string, mode: 'rotate' | 'ifMissing'): Promise<string | null> {
    await changing(id, () => WorkspaceModel.updateOne(mode === 'rotate' ? { _id: id } : { _id: id, identitySecret: { $exists: false } }, { $set: { identitySecret: secret } }));
    return (await this.findById(id))?.identitySecret ?? null;
  },

  /** Idempotent: a repeated call keeps the first provisioning time. */
  async markProvisioned(id: string, at: Date): Promise<WorkspaceDoc | null> {
    await WorkspaceModel.updateOne({ _id: id, provisionedAt: { $exists: false } }, { $set: { provisionedAt: at } });
    return this.findById(id);
  },
};
