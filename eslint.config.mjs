// @ts-check
import tseslint from 'typescript-eslint';

/**
 * Modules workflow code may import by value, besides @temporalio/workflow, @temporalio/common and
 * other files in workflows/. Each is pure (no I/O, no clock, no randomness of its own) and is
 * bundled into the workflow sandbox; they may import only each other and @temporalio/common.
 * Paths are as written from a file directly in workflows/.
 */
const pureModulesForWorkflows = [
  '../core/platform/temporal/search-attributes',
  '../core/platform/temporal/workflow-ids',
  '../core/platform/temporal/task-queues',
  '../core/webhooks/retry-policy',
  '../core/visitors/touch-view',
  '../core/visitors/utm',
  '../core/visitors/event-failure',
];

/**
 * An allow-list as a gitignore-style group: `*` refuses every import, `!*` + `/` keeps parent
 * folders matchable, and each `!path` lets one import through. Type-only imports are always
 * allowed (they are erased before bundling), which is how workflows see activities and models.
 */
function onlyAllow(allowed, message) {
  return { patterns: [{ group: ['*', '!*/', ...allowed.map((path) => `!${path}`)], allowTypeImports: true, message }] };
}

const workflowImports = onlyAllow(
  ['@temporalio/workflow', '@temporalio/common', './**', ...pureModulesForWorkflows],
  'Workflows run deterministic code in a sandbox: import only @temporalio/workflow, @temporalio/common, other workflows/ files and the pure modules listed in eslint.config.mjs. Do I/O (database, HTTP, Node built-ins) in an activity, and import activities and models as types.',
);

const pureModuleImports = onlyAllow(
  ['@temporalio/common', './utm'],
  'This module is bundled into workflows (eslint.config.mjs, pureModulesForWorkflows): it may import only @temporalio/common and the other pure modules listed there (types from anywhere).',
);

/**
 * The visitor rules (core/visitors/rules/) decide; the shell around them does the I/O. They may
 * name models as types only, and import nothing that reaches a database, Temporal or the network
 * (test/unit/visitor-rules-imports.spec.ts checks the whole import graph as well).
 */
const visitorRulesImports = {
  patterns: [
    {
      group: ['mongoose', 'mongodb', '@temporalio/*', 'fast-geoip', 'undici', 'pino', '**/*.repository', '**/apply-effects', '**/apply-visitor-events', '**/emit-event', '**/geo', '**/platform/deps', '**/platform/db', '**/platform/temporal/*'],
      message: 'Visitor rules are pure decisions: ask the shell for facts (rules/effects.ts FactRequest) and return effects; apply-effects.ts does the I/O.',
    },
    { group: ['**/*.model'], allowTypeImports: true, message: 'Visitor rules may import models as types only (import type).' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'tools/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A promise nobody awaits loses its errors; a deliberate fire-and-forget says so with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', workflowImports],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No network I/O in workflows.' },
        { name: 'process', message: 'No process access in workflows.' },
        { name: 'require', message: 'Use static imports in workflows.' },
      ],
      'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'Use static imports in workflows.' }],
    },
  },
  {
    files: ['core/visitors/rules/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', visitorRulesImports] },
  },
  {
    files: pureModulesForWorkflows.map((path) => `${path.replace('../', '')}.ts`),
    rules: { '@typescript-eslint/no-restricted-imports': ['error', pureModuleImports] },
  },
);
