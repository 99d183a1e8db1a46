// @ts-check
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * Workflow code must be deterministic: no Node built-ins, no database or HTTP clients, and
 * activities imported as types only (the pattern of temporalio/samples-typescript).
 */
const workflowForbiddenImports = {
  paths: [
    ...builtinModules.map((name) => ({ name, message: 'Workflows run in a deterministic sandbox: no Node built-ins. Do I/O in an activity.' })),
    { name: 'mongoose', message: 'Workflows never touch the database: call an activity.' },
    { name: 'mongodb', message: 'Workflows never touch the database: call an activity.' },
    { name: '@temporalio/worker', message: 'Worker code does not belong in workflow files.' },
    { name: '@temporalio/client', message: 'Use child workflows or activities from a workflow.' },
    { name: '@temporalio/activity', message: 'Activities are imported as types only.' },
  ],
  patterns: [
    { group: ['node:*'], message: 'Workflows run in a deterministic sandbox: no Node built-ins.' },
    { group: ['**/activities', '**/activities/*'], allowTypeImports: true, message: 'Import activities with `import type` and call them through proxyActivities.' },
    { group: ['**/core/**/*.model', '**/core/**/*.repository', '**/core/platform/db'], message: 'Workflows never touch the database: call an activity.' },
    { group: ['express', 'pino', 'undici', 'axios'], message: 'No I/O libraries in workflows.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'tools/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', workflowForbiddenImports],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'No network I/O in workflows.' },
        { name: 'process', message: 'No process access in workflows.' },
        { name: 'require', message: 'Use static imports in workflows.' },
      ],
    },
  },
);
