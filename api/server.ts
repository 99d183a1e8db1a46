import type { Server } from 'node:http';
import mongoose from 'mongoose';
import type { Config } from '../core/platform/config';
import { connectDatabase } from '../core/platform/db';
import type { Logger } from '../core/platform/logger';
import { IngestDispatcher } from '../core/ingest/ingest-dispatcher';
import { createTemporalClient } from '../core/platform/temporal/client';
import { createApp } from './app';
import { KeyRateLimiter } from './middleware/rate-limiter';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Connects the API's dependencies and listens; `close` stops accepting, finishes in-flight requests, disconnects. */
export async function startApi(config: Config, logger: Logger, opts: { connectDb?: boolean } = {}): Promise<RunningApi> {
  if (opts.connectDb !== false) await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  const db = mongoose.connection.db;
  if (!db) throw new Error('database connection has no db handle');
  const temporal = createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  const rateLimiter = await KeyRateLimiter.create(db, logger);
  // The outbox sweep runs every minute and takes events older than OUTBOX_SWEEP_AFTER.
  const dispatcher = new IngestDispatcher({ config, logger, temporal }, { deferMs: config.OUTBOX_SWEEP_AFTER + 90_000 });
  const app = createApp({ config, logger, temporal, rateLimiter, dispatcher });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.API_PORT, config.API_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.API_PORT;
  return {
    server,
    url: `http://${config.API_HOST}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Events already stored are safe either way; handing them over now just saves the sweep's delay.
      await Promise.race([dispatcher.drain(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      dispatcher.close();
      await temporal.connection.close().catch(() => undefined);
    },
  };
}
