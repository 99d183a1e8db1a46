/**
 * The server SDK's types are generated from the API's OpenAPI document and must not drift from it.
 * The generator runs in its own Node process: openapi-typescript loads ES modules jest cannot require.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('sdk/src/schema.ts', () => {
  it('is what `npm run generate:sdk` makes from the current OpenAPI document (run it after changing a route)', () => {
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generate-sdk.ts', '--check'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('is up to date');
  }, 60_000);
});
