import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes on Signalbox workflows, so an operator can filter the Temporal
 * UI by workspace, event type, subscription, delivery status, visitor, a person's email or lead grade, e.g.
 * `SignalboxWorkspaceId = "ws_…" AND SignalboxStatus = "failed"`.
 */
export const searchAttributes = {
  workspaceId: defineSearchAttributeKey('SignalboxWorkspaceId', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('SignalboxEventType', SearchAttributeType.KEYWORD),
  subscriptionId: defineSearchAttributeKey('SignalboxSubscriptionId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('SignalboxStatus', SearchAttributeType.KEYWORD),
  visitorId: defineSearchAttributeKey('SignalboxVisitorId', SearchAttributeType.KEYWORD),
  email: defineSearchAttributeKey('SignalboxEmail', SearchAttributeType.KEYWORD),
  /** A person's lead grade (hot, warm, cold), kept current by the person workflow. */
  grade: defineSearchAttributeKey('SignalboxGrade', SearchAttributeType.KEYWORD),
} as const;

export const searchAttributeKeys = Object.values(searchAttributes);

/** `Name=Type` pairs in the form `temporal server start-dev --search-attribute` takes. */
export function searchAttributeCliArgs(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', BOOL: 'Bool', DATETIME: 'Datetime', DOUBLE: 'Double', KEYWORD_LIST: 'KeywordList' };
  return searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}
