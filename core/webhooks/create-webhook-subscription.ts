import type { Config } from '../platform/config';
import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { isEventType } from '../events/event-catalogue';
import { newId } from '../platform/ids';
import type { WebhookSubscriptionDoc } from './webhook-subscription.model';
import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import type { SubscriptionFilters } from './filters';
import { generateWebhookSecret, secretPrefix } from './signature';
import { checkWebhookUrl } from './ssrf';

export interface CreateSubscriptionInput {
  workspace: WorkspaceDoc;
  url: string;
  events: string[];
  description?: string;
  filters?: SubscriptionFilters;
  source: 'api' | 'zapier';
}

/** Creates a subscription; its signing secret is returned here and never again. */
export async function createWebhookSubscription(deps: Deps, input: CreateSubscriptionInput): Promise<{ subscription: WebhookSubscriptionDoc; secret: string }> {
  const { workspace } = input;
  assertSubscribableEvents(workspace, input.events, input.source === 'zapier' ? 'event' : 'events');
  const url = await assertSafeTarget(deps.config, input.url, input.source === 'zapier' ? 'target_url' : 'url');
  const secret = generateWebhookSecret();
  const subscription = await webhookSubscriptionRepository.insert({
    _id: newId('wh', 20),
    workspaceId: workspace._id,
    url,
    events: [...new Set(input.events)],
    description: input.description,
    filters: input.filters,
    source: input.source,
    secrets: [{ secret, prefix: secretPrefix(secret), createdAt: new Date() }],
  });
  return { subscription, secret };
}

/** Unknown types are a 400 naming them; types outside the workspace's plan are a 403 (Parsley's gating). */
export function assertSubscribableEvents(workspace: WorkspaceDoc, events: string[], field: string): void {
  const unknown = events.filter((e) => !isEventType(e));
  if (unknown.length) throw AppError.validation({ [field]: unknown.map((e) => `Unknown event type '${e}'; see GET /api/v1/event-types`) });
  const notEntitled = events.filter((e) => !workspace.entitledEventTypes.includes(e));
  if (notEntitled.length) {
    throw new AppError('not_entitled', `Your plan (${workspace.plan}) does not include ${notEntitled.join(', ')}`, {
      [field]: notEntitled.map((e) => `'${e}' requires a paid plan`),
    });
  }
}

/** Refuses SSRF-prone targets with a 400 on the field (re-checked at delivery after DNS). */
export async function assertSafeTarget(config: Config, url: string, field: string): Promise<string> {
  const check = await checkWebhookUrl(url, { allowPrivate: config.ALLOW_PRIVATE_WEBHOOK_TARGETS });
  if (!check.ok) throw AppError.validation({ [field]: [check.reason] }, 'Webhook URL refused');
  return check.url.toString();
}
