import { z } from 'zod';
import { getIdentitySecret } from '../../core/workspaces/get-identity-secret';
import { rotateIdentitySecret } from '../../core/workspaces/rotate-identity-secret';
import type { ApiRouter } from '../http/api-router';
import { authOf } from '../http/auth-context';

const identitySecretSchema = z
  .object({
    secret: z.string().meta({ description: 'Keep it on your server. `user_hash` = hex HMAC-SHA256 of the email (or, without one, the customer id) with this secret.', example: 'idv_…' }),
    algorithm: z.literal('HMAC-SHA256'),
    signs: z.literal('email, else customer_id'),
  })
  .meta({ id: 'IdentityVerification' });

const view = (secret: string): z.infer<typeof identitySecretSchema> => ({ secret, algorithm: 'HMAC-SHA256', signs: 'email, else customer_id' });

/**
 * Identity verification for browser identify calls: with only the publishable key, `identify`
 * may attach an identity nobody holds yet but never take over a known person, unless it carries
 * a `user_hash` your server computed with this secret.
 */
export function registerIdentityVerificationRoutes(api: ApiRouter): void {
  const common = { tags: ['Account'], auth: 'secret', scope: 'write' } as const;

  api.route({
    ...common,
    method: 'get',
    path: '/identity-verification',
    summary: 'Get the identity-verification secret',
    description: 'The secret your server uses to compute `user_hash` for browser `identify` calls made with the publishable key.',
    responses: { 200: { description: 'The secret', schema: identitySecretSchema } },
    handler: async ({ res }) => ({ status: 200, body: view(await getIdentitySecret({ workspaceId: authOf(res).workspace._id })) }),
  });

  api.route({
    ...common,
    method: 'post',
    path: '/identity-verification/rotate',
    summary: 'Rotate the identity-verification secret',
    description: 'Hashes made with the old secret stop verifying (other API processes follow within `INGEST_KEY_CACHE_TTL`).',
    responses: { 200: { description: 'The new secret', schema: identitySecretSchema } },
    handler: async ({ res }) => ({ status: 200, body: view(await rotateIdentitySecret({ workspaceId: authOf(res).workspace._id })) }),
  });
}
