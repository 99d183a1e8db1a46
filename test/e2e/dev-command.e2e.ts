import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stack/child-process';
import { isAlive } from '../../scripts/stack/pid-file';

interface DevRun {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `./scripts/dev` (the README's command) on free ports with its own data folder. */
function startDev(dataDir: string, ports: Record<string, number>): DevRun {
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNALBOX_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.MONGODB_URI;
  delete env.TEMPORAL_ADDRESS;
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);
  const child = spawn('./scripts/dev', [], { env, cwd: join(__dirname, '..', '..') });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(run: DevRun, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = pattern.exec(run.output());
    if (match) return match;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`dev command did not print ${pattern}; output:\n${run.output()}`);
}

describe('the dev command (smoke)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signalbox-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the whole stack, serves the printed key, stops cleanly on Ctrl-C, and reuses its data', async () => {
    const ports = {
      API_PORT: await freePort(),
      SIGNALBOX_MONGO_PORT: await freePort(),
      SIGNALBOX_TEMPORAL_PORT: await freePort(),
      SIGNALBOX_TEMPORAL_UI_PORT: await freePort(),
    };
    const first = startDev(dataDir, ports);
    const key = (await waitForOutput(first, /Secret key\s+(sk_\w{32})/, 120_000))[1];
    const workspaceId = (await waitForOutput(first, /Demo workspace (ws_\w+)/, 1000))[1];
    expect(first.output()).toContain(`http://localhost:${ports.API_PORT}/docs`);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.SIGNALBOX_TEMPORAL_UI_PORT}`);

    const me = await fetch(`http://127.0.0.1:${ports.API_PORT}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { workspace: { id: string } }).workspace.id).toBe(workspaceId);
    const ui = await fetch(`http://127.0.0.1:${ports.SIGNALBOX_TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    // The printed tracking tag works: the dev API builds and serves the script.
    const publishable = (await waitForOutput(first, /Publishable key\s+(pk_\w{32})/, 1000))[1];
    expect(first.output()).toContain(`<script src="http://localhost:${ports.API_PORT}/signalbox.js" data-key="${publishable}" async></script>`);
    const script = await fetch(`http://127.0.0.1:${ports.API_PORT}/signalbox.js`);
    expect({ status: script.status, type: script.headers.get('content-type') }).toEqual({ status: 200, type: 'application/javascript; charset=utf-8' });

    const children = JSON.parse(readFileSync(join(dataDir, 'children.json'), 'utf8')) as Array<{ pid: number }>;
    expect(children).toHaveLength(2);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('[signalbox] stopped.');
    for (const { pid } of children) expect(isAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'temporal.db'))).toBe(true);

    const second = startDev(dataDir, ports);
    const again = await waitForOutput(second, /Demo workspace (ws_\w+)[\s\S]*Secret key\s+(sk_\w{32})/, 120_000);
    expect(again[1]).toBe(workspaceId);
    expect(again[2]).toBe(key);
    const meAgain = await fetch(`http://127.0.0.1:${ports.API_PORT}/api/v1/me`, { headers: { 'x-api-key': key } });
    expect(meAgain.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);
});
