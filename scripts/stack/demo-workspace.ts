import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../core/platform/config';
import type { Logger } from '../../core/platform/logger';
import { workspaceRepository } from '../../core/workspaces/workspace.repository';
import { createTemporalClient } from '../../core/platform/temporal/client';
import { createApiKey } from '../../core/workspaces/create-api-key';
import { createWorkspace } from '../../core/workspaces/create-workspace';

export interface DemoCredentials {
  workspaceId: string;
  workspaceName: string;
  secretKey: string;
  publishableKey: string;
}

/**
 * Creates the demo workspace on first start. Keys are stored only as hashes, so the
 * plaintext demo keys are kept in the local data folder (mode 600) to print them on every start.
 */
export async function ensureDemoWorkspace(deps: { config: Config; logger: Logger; dataDir: string }): Promise<DemoCredentials> {
  const file = join(deps.dataDir, 'demo-keys.json');
  const existing = await workspaceRepository.findDemo();
  if (existing && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    if (saved.workspaceId === existing._id) return saved;
  }
  const temporal = createTemporalClient({ address: deps.config.TEMPORAL_ADDRESS, namespace: deps.config.TEMPORAL_NAMESPACE });
  try {
    const useCaseDeps = { config: deps.config, logger: deps.logger, temporal };
    const workspace = existing ?? (await createWorkspace(useCaseDeps, { name: 'Demo', isDemo: true })).workspace;
    const secret = await createApiKey(useCaseDeps, { workspaceId: workspace._id, kind: 'secret', name: 'demo secret key' });
    const publishable = await createApiKey(useCaseDeps, { workspaceId: workspace._id, kind: 'publishable', name: 'demo publishable key' });
    const credentials = { workspaceId: workspace._id, workspaceName: workspace.name, secretKey: secret.plaintext, publishableKey: publishable.plaintext };
    writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    return credentials;
  } finally {
    await temporal.connection.close().catch(() => undefined);
  }
}
