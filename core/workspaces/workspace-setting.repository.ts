import { replaceOrInsert } from '../platform/insert-once';
import { WorkspaceSettingModel, type WorkspaceSettingDoc, type WorkspaceSettingKind } from './workspace-setting.model';

const CACHE_MS = 5_000;
const cache = new Map<string, { doc: WorkspaceSettingDoc | null; until: number }>();
/** Bumped around every write: a read that started before one must not cache what it read. */
let generation = 0;

const idFor = (workspaceId: string, kind: WorkspaceSettingKind) => `${workspaceId}:${kind}`;

export const workspaceSettingRepository = {
  async find(workspaceId: string, kind: WorkspaceSettingKind): Promise<WorkspaceSettingDoc | null> {
    return WorkspaceSettingModel.findById(idFor(workspaceId, kind)).lean<WorkspaceSettingDoc>();
  },

  /** For every scoring and enrichment run: settings change rarely, so a copy up to 5 s old is used; writes here drop it. */
  async findCached(workspaceId: string, kind: WorkspaceSettingKind): Promise<WorkspaceSettingDoc | null> {
    const id = idFor(workspaceId, kind);
    const hit = cache.get(id);
    if (hit && hit.until > Date.now()) return hit.doc;
    const readAt = generation;
    const doc = await this.find(workspaceId, kind);
    if (readAt === generation) cache.set(id, { doc, until: Date.now() + CACHE_MS });
    return doc;
  },

  async put(workspaceId: string, kind: WorkspaceSettingKind, value: unknown, rescoreWorkflowId: string | null = null): Promise<void> {
    const id = idFor(workspaceId, kind);
    generation++;
    cache.delete(id);
    try {
      const doc: WorkspaceSettingDoc = { _id: id, workspaceId, kind, value, rescoreWorkflowId, updatedAt: new Date() };
      await replaceOrInsert(WorkspaceSettingModel, doc);
    } finally {
      generation++;
      cache.delete(id);
    }
  },
};
