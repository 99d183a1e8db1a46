/**
 * Children of a dev stack that was killed hard (SIGKILL, power loss) outlive it. Their pids
 * are kept in the data folder, and the next start stops them if they are still ours.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedProcess } from './child-process';

export function rememberPids(dataDir: string, children: ManagedProcess[]): void {
  const entries = children.map((c) => ({ pid: c.child.pid, command: c.child.spawnfile }));
  writeFileSync(join(dataDir, 'children.json'), JSON.stringify(entries));
}

export function forgetPids(dataDir: string): void {
  rmSync(join(dataDir, 'children.json'), { force: true });
}

export async function killLeftovers(dataDir: string): Promise<void> {
  const file = join(dataDir, 'children.json');
  if (!existsSync(file)) return;
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Array<{ pid?: number; command: string }>;
  for (const { pid, command } of entries) {
    if (!pid || !isOurs(pid, command)) continue;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
}

function isOurs(pid: number, command: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === command;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
