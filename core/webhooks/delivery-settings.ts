import { retryWindowMs, type Config } from '../platform/config';
import { AppError } from '../platform/errors';
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

/**
 * A workspace's own retry schedule must end before retention could delete a delivery still
 * retrying (or its event): refused with a 400 naming the field otherwise.
 */
export function assertRetryScheduleWithinRetention(config: Config, scheduleMs: readonly number[] | undefined): void {
  if (!scheduleMs?.length) return;
  const window = retryWindowMs(scheduleMs, config.WEBHOOK_RETRY_JITTER);
  if (window < config.RETENTION_MAX_AGE) return;
  const hours = (ms: number) => Math.ceil(ms / 3_600_000);
  throw AppError.validation({ 'webhookSettings.retryScheduleMs': [`retries would last up to ${hours(window)} h (with jitter); they must end within RETENTION_MAX_AGE (${hours(config.RETENTION_MAX_AGE)} h)`] });
}
