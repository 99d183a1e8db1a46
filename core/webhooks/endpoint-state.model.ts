import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * One per subscription that has had a delivery attempt (`_id` is the subscription id): its health
 * and circuit breaker. Kept apart from the subscription on purpose: health is written by every
 * batch of attempts, and on FerretDB (which rewrites a whole document per update) those writes
 * would race an operator's PATCH or DELETE of the subscription and undo it.
 */
const endpointStateSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    failingSince: { type: Date, required: false, default: null },
    consecutiveFailures: { type: Number, required: true, default: 0 },
    lastSuccessAt: { type: Date, required: false, default: null },
    lastError: {
      type: new Schema(
        { at: { type: Date, required: true }, httpStatus: { type: Number, default: null }, errorClass: { type: String, default: null }, message: { type: String, default: null } },
        { _id: false },
      ),
      required: false,
      default: null,
    },
    circuit: { type: String, enum: ['closed', 'open'], required: true, default: 'closed' },
    circuitOpenedAt: { type: Date, required: false, default: null },
    windowStartedAt: { type: Date, required: true },
    windowSucceeded: { type: Number, required: true, default: 0 },
    windowFailed: { type: Number, required: true, default: 0 },
    previousSucceeded: { type: Number, required: true, default: 0 },
    previousFailed: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'webhook_endpoints' },
);

// Read and written by _id only (the subscription's id); no secondary index.

export type EndpointStateDoc = InferSchemaType<typeof endpointStateSchema> & { _id: string };
export const EndpointStateModel = model('EndpointState', endpointStateSchema);
