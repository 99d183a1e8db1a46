/**
 * Every activity the worker registers. Workflows import this module as a type only
 * (`import type * as activities`), so no I/O code ever enters the workflow bundle.
 */
export { recordWorkspaceProvisioned } from './workspace.activities';
export type { ProvisionResult } from './workspace.activities';
