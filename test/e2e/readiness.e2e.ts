import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/child-process';
import { startFerretDb, type EmbeddedDatabase } from '../../scripts/stack/ferretdb';
import { eventually, requiredEnv, startTestStack, type TestStack } from '../support/test-stack';

describe('/readyz reflects its dependencies', () => {
  let db: EmbeddedDatabase;
  let stack: TestStack;
  beforeAll(async () => {
    // A database of this test's own, so stopping it does not disturb other test files.
    const dir = mkdtempSync(join(tmpdir(), 'signalbox-readyz-'));
    db = await startFerretDb({ bin: requiredEnv('SIGNALBOX_FERRETDB_BIN'), dataDir: dir, port: await freePort(), logDir: dir });
    stack = await startTestStack({ worker: false, mongoBaseUri: db.uri });
  });
  afterAll(async () => {
    await stack.close().catch(() => undefined);
    await db.stop();
  });

  it('is ready while MongoDB and Temporal answer, and 503 naming MongoDB once the database stops', async () => {
    const ready = await stack.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { mongodb: 'up', temporal: 'up' } });

    await db.stop();
    const down = await eventually(async () => {
      const res = await stack.request('GET', '/readyz');
      return res.status === 503 ? res : undefined;
    }, 15_000, '/readyz to report the database down');
    expect(down.body).toEqual({ status: 'unavailable', checks: { mongodb: 'down', temporal: 'up' } });
    expect((await stack.request('GET', '/healthz')).status).toBe(200);
  });
});
