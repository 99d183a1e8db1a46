import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Lints `code` as if it were a file in workflows/ and returns the rules that fired. */
function lintWorkflow(code: string): string[] {
  const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const run = spawnSync(process.execPath, [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', join(root, 'workflows', 'example.workflow.ts')], {
    cwd: root,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null }> }>;
  return result.messages.map((m) => m.ruleId ?? 'parse-error');
}

/** The lint rules that keep workflow code deterministic actually fire. */
describe('workflow lint rules', () => {
  it.each([
    ["import { readFileSync } from 'node:fs'; export const x = readFileSync;", '@typescript-eslint/no-restricted-imports'],
    ["import * as crypto from 'crypto'; export const x = crypto;", '@typescript-eslint/no-restricted-imports'],
    ["import mongoose from 'mongoose'; export const x = mongoose;", '@typescript-eslint/no-restricted-imports'],
    ["import { WorkspaceModel } from '../core/workspaces/workspace.model'; export const x = WorkspaceModel;", '@typescript-eslint/no-restricted-imports'],
    ["import { recordWorkspaceProvisioned } from '../activities'; export const x = recordWorkspaceProvisioned;", '@typescript-eslint/no-restricted-imports'],
    ['export async function wf() { return fetch("https://example.com"); }', 'no-restricted-globals'],
  ])('rejects %s', (code, rule) => {
    expect(lintWorkflow(code)).toContain(rule);
  });

  it('accepts the sanctioned pattern', () => {
    const code = "import { proxyActivities } from '@temporalio/workflow';\nimport type * as activities from '../activities';\nexport const a = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });\n";
    expect(lintWorkflow(code)).toEqual([]);
  });
});
