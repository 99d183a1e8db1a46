/**
 * The standard UTM parameters, in one place: ingest accepts them, attribution reads them from
 * page URLs, touches and events carry them. Pure (workflows may import it).
 */
export const utmKeys = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
export type UtmKey = (typeof utmKeys)[number];

/** One field per UTM key, in their usual order, made by `field` (a zod schema, or a value). */
export function utmFields<T>(field: (key: UtmKey) => T): Record<UtmKey, T> {
  return Object.fromEntries(utmKeys.map((key) => [key, field(key)])) as Record<UtmKey, T>;
}
