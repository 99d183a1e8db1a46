import { EndpointStateModel, type EndpointStateDoc } from './endpoint-state.model';
import { isDuplicateKeyError } from '../platform/errors';
import { initialHealth, type EndpointHealth } from './endpoint-health';

/**
 * Health per endpoint. Writers (batches, retrying deliveries, probes) read, decide and write the
 * whole state back: two writers at once can lose one's counts, never an endpoint. Whoever puts a
 * delivery to wait makes sure the endpoint's workflow runs, so a lost "closed" cannot strand it.
 */
export const endpointStateRepository = {
  /** Health of each subscription id (initial health where none is stored). One `_id` read each: FerretDB scans for `$in`. */
  async healthOf(ids: string[], now: Date): Promise<Map<string, EndpointHealth>> {
    const docs = await Promise.all(ids.map((id) => EndpointStateModel.findById(id).lean<EndpointStateDoc>()));
    return new Map(ids.map((id, i) => [id, docs[i] ? toHealth(docs[i]) : initialHealth(now)]));
  },

  async find(id: string): Promise<EndpointHealth | null> {
    const doc = await EndpointStateModel.findById(id).lean<EndpointStateDoc>();
    return doc ? toHealth(doc) : null;
  },

  async save(id: string, workspaceId: string, health: EndpointHealth): Promise<void> {
    const doc = { _id: id, workspaceId, ...health };
    try {
      await EndpointStateModel.replaceOne({ _id: id }, doc, { upsert: true });
    } catch (err) {
      // Two first writes at once: both upserts insert, one loses on the key. It exists now.
      if (!isDuplicateKeyError(err)) throw err;
      await EndpointStateModel.replaceOne({ _id: id }, doc);
    }
  },

  /** A re-enabled subscription starts healthy, its circuit closed. */
  async reset(id: string): Promise<void> {
    await EndpointStateModel.deleteOne({ _id: id });
  },
};

function toHealth(doc: EndpointStateDoc): EndpointHealth {
  return {
    failingSince: doc.failingSince ?? null,
    consecutiveFailures: doc.consecutiveFailures,
    lastSuccessAt: doc.lastSuccessAt ?? null,
    lastError: doc.lastError ? { at: doc.lastError.at, httpStatus: doc.lastError.httpStatus ?? null, errorClass: doc.lastError.errorClass ?? null, message: doc.lastError.message ?? null } : null,
    circuit: doc.circuit,
    circuitOpenedAt: doc.circuitOpenedAt ?? null,
    windowStartedAt: doc.windowStartedAt,
    windowSucceeded: doc.windowSucceeded,
    windowFailed: doc.windowFailed,
    previousSucceeded: doc.previousSucceeded,
    previousFailed: doc.previousFailed,
  };
}
