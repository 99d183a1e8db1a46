import type { Deps } from '../platform/deps';
import { AppError } from '../platform/errors';
import { webhookSubscriptionRepository } from './webhook-subscription.repository';
import { generateWebhookSecret, secretPrefix } from './signature';

/**
 * Issues a new signing secret. During the grace period (default WEBHOOK_SECRET_GRACE) deliveries
 * carry a signature for the new secret and for the previous one, so receivers can switch without
 * missing an event. Never more than those two.
 */
export async function rotateWebhookSecret(
  deps: Deps,
  { workspaceId, subscriptionId: id, graceMs = deps.config.WEBHOOK_SECRET_GRACE }: { workspaceId: string; subscriptionId: string; graceMs?: number },
): Promise<{ secret: string; previousExpiresAt: Date }> {
  const subscription = await webhookSubscriptionRepository.findInWorkspace(workspaceId, id);
  if (!subscription) throw AppError.notFound('Webhook subscription');
  const now = new Date();
  const previousExpiresAt = new Date(now.getTime() + graceMs);
  // At most two secrets sign: the new one and the one in force until now. Rotating again within
  // the grace period retires the older previous secret at once instead of piling them up.
  const kept = subscription.secrets
    .filter((s) => !s.expiresAt || s.expiresAt > now)
    .slice(0, 1)
    .map((s) => ({ secret: s.secret, prefix: s.prefix, createdAt: s.createdAt, expiresAt: s.expiresAt && s.expiresAt < previousExpiresAt ? s.expiresAt : previousExpiresAt }));
  const secret = generateWebhookSecret();
  await webhookSubscriptionRepository.replaceSecrets(workspaceId, id, [{ secret, prefix: secretPrefix(secret), createdAt: now }, ...kept]);
  return { secret, previousExpiresAt };
}
