import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { webhookSubscriptionRepository } from '../webhooks/webhook-subscription.repository';
import { hashSessionSecret, newSessionSecret } from '../platform/session-secrets';
import { portalSessionRepository } from './portal-session.repository';

/** A portal session covers at most this many subscriptions (the same bound as `subscription_ids`). */
export const PORTAL_MAX_SUBSCRIPTIONS = 50;

export interface CreatePortalSessionInput {
  workspaceId: string;
  /** Omitted: every subscription the workspace has now (later ones are not added). */
  subscriptionIds?: string[];
  ttlSeconds: number;
}

/** Issues a one-time portal link token; only its hash is stored. */
export async function createPortalSession(_deps: Deps, input: CreatePortalSessionInput): Promise<{ token: string; expiresAt: Date; subscriptionIds: string[] }> {
  const subscriptionIds = input.subscriptionIds ? await checkedSubscriptionIds(input.workspaceId, input.subscriptionIds) : await allSubscriptionIds(input.workspaceId);
  const token = newSessionSecret();
  const expiresAt = new Date(Date.now() + input.ttlSeconds * 1000);
  await portalSessionRepository.insert({ _id: hashSessionSecret(token), kind: 'link', workspaceId: input.workspaceId, subscriptionIds, expiresAt });
  return { token, expiresAt, subscriptionIds };
}

/** Each id must be a live subscription of this workspace; a 404 names the first index that is not. */
async function checkedSubscriptionIds(workspaceId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map((id) => webhookSubscriptionRepository.findInWorkspace(workspaceId, id)));
  const missing = found.findIndex((sub) => !sub);
  if (missing >= 0) {
    const index = ids.indexOf(unique[missing]);
    throw new AppError('not_found', `Webhook subscription not found: subscription_ids[${index}]`, { [`subscription_ids.${index}`]: ['No such webhook subscription in this workspace'] });
  }
  return unique;
}

async function allSubscriptionIds(workspaceId: string): Promise<string[]> {
  const subs = await webhookSubscriptionRepository.list(workspaceId, PORTAL_MAX_SUBSCRIPTIONS + 1);
  if (subs.length === 0) throw AppError.validation({ subscription_ids: ['The workspace has no webhook subscriptions'] }, 'Nothing to open a portal for');
  if (subs.length > PORTAL_MAX_SUBSCRIPTIONS) {
    throw AppError.validation({ subscription_ids: [`The workspace has more than ${PORTAL_MAX_SUBSCRIPTIONS} subscriptions: name the ones to show`] });
  }
  return subs.map((s) => s._id);
}
