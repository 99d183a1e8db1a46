import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import type { WebhookSubscriptionDoc } from './webhook-subscription.model';
import type { WorkspaceDoc } from '../workspaces/workspace.model';
import { webhookSubscriptionRepository, type SubscriptionChanges } from './webhook-subscription.repository';
import { endpointStateRepository } from './endpoint-state.repository';
import { assertSafeTarget, assertSubscribableEvents } from './create-webhook-subscription';

/** PATCH: url, events, active, description, filters. `active: true` re-enables a disabled subscription. */
export async function updateWebhookSubscription(
  deps: Deps,
  { workspace, subscriptionId: id, changes }: { workspace: WorkspaceDoc; subscriptionId: string; changes: SubscriptionChanges },
): Promise<WebhookSubscriptionDoc> {
  if (!(await webhookSubscriptionRepository.findInWorkspace(workspace._id, id))) throw AppError.notFound('Webhook subscription');
  if (changes.events) assertSubscribableEvents(workspace, changes.events, 'events');
  const url = changes.url ? await assertSafeTarget(deps.config, changes.url, 'url') : undefined;
  const updated = await webhookSubscriptionRepository.update(workspace._id, id, { ...changes, ...(url ? { url } : {}), ...(changes.events ? { events: [...new Set(changes.events)] } : {}) });
  if (!updated) throw AppError.notFound('Webhook subscription');
  // Re-enabled: it starts healthy, its circuit closed (recover sends what it missed).
  if (changes.active === true) await endpointStateRepository.reset(id);
  return updated;
}
