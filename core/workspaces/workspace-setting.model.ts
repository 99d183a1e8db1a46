import { Schema, model } from 'mongoose';

/**
 * A workspace's feature settings, one document per kind (`<workspace>:scoring`,
 * `<workspace>:enrichment`), apart from the workspace document: other writers update that one
 * (provisioning, the admin API), and FerretDB applies updates to a whole document non-atomically,
 * so a setting stored there could be undone by a concurrent write.
 */
const workspaceSettingSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    kind: { type: String, required: true },
    value: { type: Schema.Types.Mixed, required: true },
    /** The re-score workflow the latest scoring edit started (scoring only). */
    rescoreWorkflowId: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'workspace_settings', minimize: false },
);

workspaceSettingSchema.index({ workspaceId: 1 });

export type WorkspaceSettingKind = 'scoring' | 'enrichment';

export interface WorkspaceSettingDoc {
  _id: string;
  workspaceId: string;
  kind: WorkspaceSettingKind;
  value: unknown;
  rescoreWorkflowId: string | null;
  updatedAt: Date;
}
export const WorkspaceSettingModel = model('WorkspaceSetting', workspaceSettingSchema);
