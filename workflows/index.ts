/** The workflow bundle's entry point: every workflow the worker runs. */
export { provisionWorkspaceWorkflow } from './provision-workspace.workflow';
