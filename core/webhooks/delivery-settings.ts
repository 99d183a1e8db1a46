import type { Config } from '../platform/config';
import type { WorkspaceDoc } from '../workspaces/workspace.model';

export interface DeliverySettings {
  /** Delay before each attempt; its length is the number of attempts in a series. */
  scheduleMs: number[];
  jitter: number;
  timeoutMs: number;
}

/** The workspace's overrides on top of the process-wide defaults. */
export function deliverySettingsFor(workspace: Pick<WorkspaceDoc, 'webhookSettings'> | null, config: Config): DeliverySettings {
  const overrides = workspace?.webhookSettings;
  return {
    scheduleMs: overrides?.retryScheduleMs?.length ? overrides.retryScheduleMs : config.WEBHOOK_RETRY_SCHEDULE,
    jitter: config.WEBHOOK_RETRY_JITTER,
    timeoutMs: Math.min(overrides?.timeoutMs ?? config.WEBHOOK_TIMEOUT, 30_000),
  };
}
