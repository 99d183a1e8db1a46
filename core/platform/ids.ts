import { randomAlphanumeric } from '../workspaces/api-keys';

/** Prefixed, URL-safe random ids (`ws_…`, `key_…`) so an id tells what it names in logs and the Temporal UI. */
export function newId(prefix: string, length = 20): string {
  return `${prefix}_${randomAlphanumeric(length)}`;
}
