import { Schema, model } from 'mongoose';

/**
 * Events Signalbox meant to emit whose payload failed its own schema (a bug on our side, e.g. a
 * field the rules filled wrongly). They are not delivered — subscribers rely on the schema — but
 * kept here and listed by `GET /api/v1/failed-events`, so a missing webhook is never silent.
 */
const failedEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    type: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    /** `[{ field, messages }]`: field paths contain dots, which stored keys may not. */
    issues: { type: [{ _id: false, field: String, messages: [String] }], required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'failed_events', minimize: false },
);

failedEventSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

export interface FailedEventDoc {
  _id: string;
  workspaceId: string;
  type: string;
  data: unknown;
  issues: Array<{ field: string; messages: string[] }>;
  createdAt: Date;
}
export const FailedEventModel = model('FailedEvent', failedEventSchema);
