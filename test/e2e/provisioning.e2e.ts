import { WorkspaceModel } from '../../core/workspaces/workspace.model';
import { searchAttributes } from '../../core/platform/temporal/search-attributes';
import { eventually, startTestStack, type TestStack } from '../support/test-stack';

describe('the provisioning workflow (real Temporal, real database)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.close());

  it('is started by the API, runs an activity that writes to MongoDB, and is findable by workspace', async () => {
    const res = await stack.admin('POST', '/workspaces', { name: 'Provisioned', withKeys: false });
    expect(res.status).toBe(201);
    expect(res.body.provisioning).toBe('started');
    const workspaceId: string = res.body.workspace.id;
    expect(res.body.workflowId).toBe(`workspace-provision-${workspaceId}`);
    expect(res.body.workspace.provisionedAt).toBeNull();

    const handle = stack.temporal.workflow.getHandle(res.body.workflowId);
    const result = await handle.result();
    expect(result.workspaceId).toBe(workspaceId);

    const doc = await WorkspaceModel.findById(workspaceId).lean();
    expect(doc?.provisionedAt?.toISOString()).toBe(result.provisionedAt);
    expect(doc?.provisioningWorkflowId).toBe(res.body.workflowId);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.workspaceId)).toBe(workspaceId);
    expect(await description.memo).toEqual({ workspaceName: 'Provisioned' });

    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const wf of stack.temporal.workflow.list({ query: `SignalboxWorkspaceId = "${workspaceId}"` })) ids.push(wf.workflowId);
      return ids.length ? ids : undefined;
    }, 20_000, 'the workflow to be visible by search attribute');
    expect(found).toEqual([res.body.workflowId]);

    const viaApi = await stack.admin('GET', `/workspaces/${workspaceId}`);
    expect(viaApi.body.provisionedAt).toBe(result.provisionedAt);
  });
});
