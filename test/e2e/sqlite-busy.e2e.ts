import { MongoClient } from 'mongodb';
import { installSqliteBusyRetry } from '../../core/platform/sqlite-busy-retry';
import { requiredEnv } from '../support/test-stack';

/**
 * Two clients (like the API and the worker) writing one FerretDB/SQLite database at once
 * collide with SQLITE_BUSY now and then; with the driver-level retry no write fails.
 */
describe('concurrent writers on the embedded database', () => {
  it('never surfaces SQLITE_BUSY to the application', async () => {
    installSqliteBusyRetry();
    const uri = `${requiredEnv('SIGNALBOX_TEST_MONGO_URI')}/t_busy_${Date.now()}`;
    const clients = await Promise.all([MongoClient.connect(uri), MongoClient.connect(uri)]);
    try {
      const failures: unknown[] = [];
      let writes = 0;
      await Promise.all(
        clients.flatMap((client, c) =>
          Array.from({ length: 20 }, async (_, w) => {
            const col = client.db().collection('busy');
            for (let i = 0; i < 25; i++) {
              const _id = `${c}-${w}-${i}`;
              try {
                await col.insertOne({ _id, n: 0 } as never);
                await col.updateOne({ _id } as never, { $inc: { n: 1 } });
                writes += 2;
              } catch (err) {
                failures.push(err);
              }
            }
          }),
        ),
      );
      expect(failures).toEqual([]);
      expect(writes).toBe(2 * 20 * 25 * 2);
      expect(await clients[0].db().collection('busy').countDocuments({ n: 1 })).toBe(1000);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
