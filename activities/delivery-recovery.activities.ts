import { Context } from '@temporalio/activity';
import type { Deps } from '../core/platform/deps';
import { recoverDeliveryPage, type RecoveryPageInput } from '../core/webhooks/recover-deliveries';
import type { RecoveryPosition } from '../workflows';

export function createDeliveryRecoveryActivities(deps: Deps) {
  return {
    /** Heartbeats its position after each delivery; a retry of the page resumes after the last one heartbeated. */
    async recoverDeliveryPage(input: RecoveryPageInput): Promise<{ position: RecoveryPosition; more: boolean }> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as RecoveryPosition | undefined;
      return recoverDeliveryPage(deps, { ...input, position: resumed ?? input.position }, (position) => context.heartbeat(position));
    },
  };
}
