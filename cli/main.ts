/** Operator CLI: `npm run signalbox -- <command>`. Talks to MongoDB and Temporal directly. */
import type { Client } from '@temporalio/client';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { apiKeyKinds, type ApiKeyKind } from '../core/workspaces/api-keys';
import { loadConfigOrExit, publicUrl, type Config } from '../core/platform/config';
import { connectDatabase, disconnectDatabase } from '../core/platform/db';
import { AppError } from '../core/platform/errors';
import { plans, type Plan } from '../core/events/event-catalogue';
import type { Deps } from '../core/platform/deps';
import { createLogger } from '../core/platform/logger';
import { apiKeyRepository } from '../core/workspaces/api-key.repository';
import type { ApiKeyDoc } from '../core/workspaces/api-key.model';
import type { WorkspaceDoc } from '../core/workspaces/workspace.model';
import { workspaceRepository } from '../core/workspaces/workspace.repository';
import { apiKeyScopes, type ApiKeyScope } from '../core/workspaces/scopes';
import { createTemporalClient } from '../core/platform/temporal/client';
import { createApiKey } from '../core/workspaces/create-api-key';
import { createWorkspace } from '../core/workspaces/create-workspace';
import { revokeApiKey } from '../core/workspaces/revoke-api-key';
import { updateScoringRules } from '../core/scoring/update-scoring-rules';
import { startDeliveryRecovery } from '../core/webhooks/recover-deliveries';
import { webhookSubscriptionRepository } from '../core/webhooks/webhook-subscription.repository';
import { leadRescoreProgressQuery, recoveryProgressQuery, type leadRescoreWorkflow, type recoverDeliveriesWorkflow } from '../workflows';
import { followWorkflowProgress } from './follow-progress';

function buildProgram(config: Config): Command {
  const program = new Command('signalbox').description('Signalbox operator commands').showHelpAfterError();

  const workspace = program.command('workspace').description('Workspaces');
  workspace
    .command('create')
    .argument('<name>', 'display name')
    .option('--plan <plan>', `one of ${plans.join(', ')}`, oneOf(plans), 'pro')
    .option('--no-keys', 'do not create the initial secret and publishable keys')
    .description('Create a workspace (and, by default, a secret and a publishable key)')
    .action((name: string, opts: { plan: Plan; keys: boolean }) =>
      withStack(config, async (deps) => {
        const created = await createWorkspace(deps, { name, plan: opts.plan });
        print(`Workspace ${created.workspace._id} "${created.workspace.name}" (plan ${created.workspace.plan}); provisioning ${created.provisioning} as ${created.workflowId}`);
        if (!opts.keys) return;
        for (const kind of ['secret', 'publishable'] as const) {
          const { key, plaintext } = await createApiKey(deps, { workspaceId: created.workspace._id, kind });
          printKey(kind, key._id, plaintext);
        }
        print(`\nTry it:\n  curl -s ${publicUrl(config)}/api/v1/me -H "Authorization: Bearer <secret key>"`);
      }),
    );
  workspace
    .command('list')
    .description('List workspaces, newest first')
    .action(() =>
      withDatabase(config, async () => {
        for (const w of await workspaceRepository.list(500)) print(`${w._id}  ${w.plan.padEnd(4)}  ${w.createdAt.toISOString()}  ${w.name}`);
      }),
    );

  const key = program.command('key').description('API keys');
  key
    .command('create')
    .requiredOption('-w, --workspace <id>', 'workspace id')
    .option('--kind <kind>', `one of ${apiKeyKinds.join(', ')}`, oneOf(apiKeyKinds), 'secret')
    .option('--name <name>', 'label shown in listings')
    .option('--scope <scope...>', `limit the key to scopes: ${apiKeyScopes.join(', ')}`)
    .description('Create an API key; the key is printed once')
    .action((opts: { workspace: string; kind: ApiKeyKind; name?: string; scope?: string[] }) =>
      withStack(config, async (deps) => {
        const scopes = opts.scope?.map((s) => oneOf(apiKeyScopes)(s)) as ApiKeyScope[] | undefined;
        const { key: created, plaintext } = await createApiKey(deps, { workspaceId: opts.workspace, kind: opts.kind, name: opts.name, scopes });
        printKey(opts.kind, created._id, plaintext);
      }),
    );
  key
    .command('list')
    .option('-w, --workspace <id>', 'workspace id')
    .option('--all', 'every workspace (the workspace id leads each line; progress on stderr)')
    .description("List a workspace's keys, or every workspace's (prefixes only)")
    .action((opts: { workspace?: string; all?: boolean }) => {
      if (!opts.workspace === !opts.all) throw new InvalidArgumentError('give either --workspace <id> or --all');
      return withDatabase(config, async () => {
        if (opts.workspace) return void (await apiKeyRepository.listForWorkspace(opts.workspace)).forEach((k) => print(keyLine(k)));
        await forEachWorkspace('Listing keys', async (w) => (await apiKeyRepository.listForWorkspace(w._id)).forEach((k) => print(`${w._id}  ${keyLine(k)}`)));
      });
    });
  key
    .command('revoke')
    .argument('<keyId>', 'key id (key_…)')
    .requiredOption('-w, --workspace <id>', 'workspace id')
    .description('Revoke a key; the next request with it gets 401')
    .action((keyId: string, opts: { workspace: string }) =>
      withStack(config, async (deps) => {
        const revoked = await revokeApiKey(deps, { workspaceId: opts.workspace, keyId });
        print(`Revoked ${revoked._id} (${revoked.displayPrefix}…) at ${revoked.revokedAt?.toISOString()}`);
      }),
    );

  const scoring = program.command('scoring').description('Lead scoring');
  scoring
    .command('rescore')
    .argument('<workspaceId>', 'workspace id')
    .option('--emit', 'emit lead.scored / prospect.qualified for what the re-score changes', false)
    .description("Re-score every lead of a workspace under its current rules (as PUT /scoring does) and follow it; Ctrl-C stops following, not the re-score")
    .action((workspaceId: string, opts: { emit: boolean }) =>
      withStack(config, async (deps) => {
        if (!(await workspaceRepository.findById(workspaceId))) throw AppError.notFound('Workspace');
        // The same path as PUT /scoring with the rules in force: a re-score still running is canceled first.
        const { rescoreWorkflowId } = await updateScoringRules(deps, { workspaceId, rules: 'current', emit: opts.emit });
        print(`Started ${rescoreWorkflowId}${opts.emit ? ' (emitting what changes)' : ''}`);
        await followRescore(deps.temporal, rescoreWorkflowId);
      }),
    );
  scoring
    .command('follow')
    .argument('<workflowId>', 'a lead-rescore-… workflow id (GET /scoring shows the latest)')
    .description('Follow a running re-score until it ends; Ctrl-C stops following, not the re-score')
    .action((workflowId: string) => withTemporal(config, (temporal) => followRescore(temporal, workflowId)));

  const webhooks = program.command('webhooks').description('Webhook subscriptions');
  webhooks
    .command('recover')
    .argument('<subscriptionId>', 'subscription id')
    .requiredOption('--since <iso>', 'ISO 8601 timestamp: re-deliver what was not delivered since then', isoTimestamp)
    .description('Re-deliver everything not yet delivered since a time (as POST /webhooks/:id/recover does) and follow it; Ctrl-C stops following, not the recovery')
    .action((subscriptionId: string, opts: { since: Date }) =>
      withStack(config, async (deps) => {
        const subscription = await webhookSubscriptionRepository.findAnyById(subscriptionId);
        if (!subscription) throw AppError.notFound('Webhook subscription');
        const { recoveryId } = await startDeliveryRecovery(deps, { workspaceId: subscription.workspaceId, subscriptionId, since: opts.since });
        print(`Started ${recoveryId} (deliveries since ${opts.since.toISOString()})`);
        await followRecovery(deps.temporal, recoveryId);
      }),
    );
  webhooks
    .command('follow')
    .argument('<recoveryId>', 'a recover-… workflow id')
    .description('Follow a running delivery recovery until it ends; Ctrl-C stops following, not the recovery')
    .action((recoveryId: string) => withTemporal(config, (temporal) => followRecovery(temporal, recoveryId)));
  return program;
}

async function followRescore(temporal: Client, workflowId: string): Promise<void> {
  const status = await followWorkflowProgress({
    temporal,
    handle: temporal.workflow.getHandle<typeof leadRescoreWorkflow>(workflowId),
    query: leadRescoreProgressQuery,
    label: 'Re-scoring leads',
    view: (p) => ({ value: p.processed, total: p.total, unit: 'leads', detail: `${p.changed} changed grade` }),
    followAgain: `npm run signalbox -- scoring follow ${workflowId}`,
  });
  if (status !== 'COMPLETED') process.exitCode = 1;
}

async function followRecovery(temporal: Client, recoveryId: string): Promise<void> {
  // How many deliveries it will find is not known ahead: the count grows, the bar has no total.
  const status = await followWorkflowProgress({
    temporal,
    handle: temporal.workflow.getHandle<typeof recoverDeliveriesWorkflow>(recoveryId),
    query: recoveryProgressQuery,
    label: 'Recovering deliveries',
    view: (p) => ({ value: p.found, total: null, unit: 'not delivered found', detail: `${p.recovered} re-delivered` }),
    followAgain: `npm run signalbox -- webhooks follow ${recoveryId}`,
  });
  if (status !== 'COMPLETED') process.exitCode = 1;
}

const isoSchema = z.iso.datetime({ offset: true });

function isoTimestamp(value: string): Date {
  if (!isoSchema.safeParse(value).success) throw new InvalidArgumentError('must be an ISO 8601 timestamp, e.g. 2026-11-29T08:00:00Z');
  return new Date(value);
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}`);
    return value as T;
  };
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function keyLine(k: ApiKeyDoc): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`;
  return `${k._id}  ${k.kind.padEnd(11)}  ${k.displayPrefix}…  ${k.scopes.join(',') || 'all scopes'}  ${state}  ${k.name}`;
}

/** Runs `each` over every workspace, a page at a time, with a progress bar on stderr when it is a terminal (stdout stays for the data). */
async function forEachWorkspace(label: string, each: (workspace: WorkspaceDoc) => Promise<void>): Promise<void> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: `${label}  {bar}  {value}/{total} workspaces  {duration_formatted}`, stream: process.stderr, hideCursor: true }) : null;
  bar?.start(await workspaceRepository.count(), 0);
  let done = 0;
  try {
    for (let after: string | null = null; ; ) {
      const page = await workspaceRepository.pageAfter(after, 200);
      for (const workspace of page) {
        await each(workspace);
        bar?.update(++done);
      }
      if (page.length < 200) break;
      after = page[page.length - 1]._id;
    }
  } finally {
    bar?.stop();
  }
  process.stderr.write(`${label}: ${done} workspaces\n`);
}

function printKey(kind: ApiKeyKind, id: string, plaintext: string): void {
  print(`${kind === 'secret' ? 'Secret key     ' : 'Publishable key'}  ${plaintext}   (${id}; shown once, store it now)`);
}

async function withDatabase(config: Config, run: () => Promise<void>): Promise<void> {
  await connectDatabase(config.MONGODB_URI, config.MONGODB_MAX_POOL_SIZE);
  try {
    await run();
  } finally {
    await disconnectDatabase();
  }
}

/** The database and the use-cases' deps; the Temporal client connects only if a command uses it. */
async function withStack(config: Config, run: (deps: Deps) => Promise<void>): Promise<void> {
  await withTemporal(config, (temporal) => withDatabase(config, () => run({ config, logger: createLogger('warn', 'signalbox-cli'), temporal })));
}

/** Only Temporal (following a workflow needs no database). */
async function withTemporal(config: Config, run: (temporal: Client) => Promise<void>): Promise<void> {
  const temporal = createTemporalClient({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE });
  try {
    await run(temporal);
  } finally {
    await temporal.connection.close().catch(() => undefined);
  }
}

buildProgram(loadConfigOrExit())
  .parseAsync()
  .catch((err) => {
    process.stderr.write(`error: ${err instanceof AppError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
