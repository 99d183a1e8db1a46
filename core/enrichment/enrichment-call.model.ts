import { Schema, model } from 'mongoose';

/** One provider call (or cache hit) for a person: what the API lists under a lead's enrichment calls. */
const enrichmentCallSchema = new Schema(
  {
    _id: { type: String, required: true },
    workspaceId: { type: String, required: true },
    visitorId: { type: String, required: true },
    provider: { type: String, required: true },
    outcome: { type: String, required: true },
    errorClass: { type: String, default: null },
    message: { type: String, default: null },
    attempt: { type: Number, required: true },
    durationMs: { type: Number, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'enrichment_calls' },
);

enrichmentCallSchema.index({ workspaceId: 1, visitorId: 1, createdAt: -1, _id: -1 });
enrichmentCallSchema.index({ createdAt: 1 });

export type EnrichmentOutcome = 'ok' | 'cache_hit' | 'error' | 'skipped';

export interface EnrichmentCallDoc {
  _id: string;
  workspaceId: string;
  visitorId: string;
  provider: string;
  outcome: EnrichmentOutcome;
  /** ProviderError class (timeout, network, http_status, invalid_response, …) when the call failed. */
  errorClass: string | null;
  message: string | null;
  /** Temporal's attempt number of the enrichment activity: retries of a provider that is down show up here. */
  attempt: number;
  durationMs: number;
  createdAt: Date;
}
export const EnrichmentCallModel = model('EnrichmentCall', enrichmentCallSchema);
