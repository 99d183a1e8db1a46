import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * Lints `code` as if it were the file `path` (default: a new file in workflows/) and returns the
 * rules that fired. The code comes on stdin, which the type-aware project service cannot see, so
 * the one type-aware rule is switched off here: these tests are about the import rules.
 */
function lint(code: string, path = join('workflows', 'example.workflow.ts')): string[] {
  const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const args = [eslintBin, '--format', 'json', '--parser-options', 'projectService:false', '--rule', '@typescript-eslint/no-floating-promises: off', '--stdin', '--stdin-filename', join(root, path)];
  const run = spawnSync(process.execPath, args, { cwd: root, input: code, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null }> }>;
  return result.messages.map((m) => m.ruleId ?? 'parse-error');
}

const restricted = '@typescript-eslint/no-restricted-imports';

/** The lint rules that keep workflow code deterministic actually fire. */
describe('workflow lint rules', () => {
  it.each([
    ["import { readFileSync } from 'node:fs'; export const x = readFileSync;", restricted],
    ["import * as crypto from 'crypto'; export const x = crypto;", restricted],
    ["import mongoose from 'mongoose'; export const x = mongoose;", restricted],
    ["import { request } from 'undici'; export const x = request;", restricted],
    ["import { Client } from '@temporalio/client'; export const x = Client;", restricted],
    ["import { heartbeat } from '@temporalio/activity'; export const x = heartbeat;", restricted],
    ["import { WorkspaceModel } from '../core/workspaces/workspace.model'; export const x = WorkspaceModel;", restricted],
    ["import { recordWorkspaceProvisioned } from '../activities'; export const x = recordWorkspaceProvisioned;", restricted],
    ['export async function wf() { return fetch("https://example.com"); }', 'no-restricted-globals'],
    ['export async function wf() { return import("../activities"); }', 'no-restricted-syntax'],
  ])('rejects %s', (code, rule) => {
    expect(lint(code)).toContain(rule);
  });

  // An allow-list, not a block-list: a module that looks harmless is refused until it is listed.
  it.each([
    ["import { matchesGlob } from '../core/webhooks/filters'; export const x = matchesGlob;"],
    ["import { newId } from '../core/platform/ids'; export const x = newId;"],
    ["import { msToNumber } from '@temporalio/common/lib/time'; export const x = msToNumber;"],
  ])('rejects a pure-looking module that is not on the allow-list: %s', (code) => {
    expect(lint(code)).toContain(restricted);
  });

  it('accepts the sanctioned pattern', () => {
    const code = "import { proxyActivities } from '@temporalio/workflow';\nimport type * as activities from '../activities';\nexport const a = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });\n";
    expect(lint(code)).toEqual([]);
  });

  it('accepts the allowed pure modules, @temporalio/common, other workflow files and types from anywhere', () => {
    const code = [
      "import { SearchAttributeType } from '@temporalio/common';",
      "import { workflowIds } from '../core/platform/temporal/workflow-ids';",
      "import { withJitter } from '../core/webhooks/retry-policy';",
      "import { searchAttributes } from '../core/platform/temporal/search-attributes';",
      "import { visitorEventsSignal } from './visitor.workflow';",
      "import type { VisitorDoc } from '../core/visitors/visitor.model';",
      "import { type DeliveryDoc } from '../core/webhooks/delivery.model';",
      'export const x = [SearchAttributeType, workflowIds, withJitter, searchAttributes, visitorEventsSignal];',
      'export type Y = VisitorDoc | DeliveryDoc;',
    ].join('\n');
    expect(lint(code)).toEqual([]);
  });

  it('keeps the allowed pure modules pure: they may not import I/O either', () => {
    expect(lint("import mongoose from 'mongoose'; export const x = mongoose;", join('core', 'webhooks', 'retry-policy.ts'))).toContain(restricted);
    expect(lint("import { defineSearchAttributeKey } from '@temporalio/common'; export const x = defineSearchAttributeKey;", join('core', 'platform', 'temporal', 'search-attributes.ts'))).toEqual([]);
  });
});

/** The visitor rules decide; the shell does their I/O (eslint.config.mjs, visitorRulesImports). */
describe('visitor rules lint', () => {
  const rulesFile = join('core', 'visitors', 'rules', 'example.ts');

  it.each([
    ["import { visitorRepository } from '../visitor.repository'; export const x = visitorRepository;"],
    ["import { VisitorModel } from '../visitor.model'; export const x = VisitorModel;"],
    ["import { locateIp } from '../geo'; export const x = locateIp;"],
    ["import { applyEffects } from '../apply-effects'; export const x = applyEffects;"],
    ["import mongoose from 'mongoose'; export const x = mongoose;"],
    ["import { Context } from '@temporalio/activity'; export const x = Context;"],
  ])('rejects %s', (code) => {
    expect(lint(code, rulesFile)).toContain(restricted);
  });

  it('accepts pure modules and models as types', () => {
    const code = ["import { recordSeen } from '../sessions';", "import type { VisitorDoc } from '../visitor.model';", 'export const x = recordSeen;', 'export type Y = VisitorDoc;'].join('\n');
    expect(lint(code, rulesFile)).toEqual([]);
  });
});
