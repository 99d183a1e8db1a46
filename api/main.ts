import { loadConfigOrExit } from '../core/platform/config';
import { disconnectDatabase } from '../core/platform/db';
import { createLogger } from '../core/platform/logger';
import { startApi } from './server';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.LOG_LEVEL, 'signalbox-api');
  const api = await startApi(config, logger);
  logger.info({ url: api.url }, 'API listening');
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down API');
    await api.close();
    await disconnectDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`signalbox API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
