/**
 * Routing of ingest events to partitions (INGEST_PIPELINE=partitions), and their order. A visitor
 * always maps to the same partition for a given count, so one partition workflow is the only
 * writer of a visitor and applies its events in hand-over order. No I/O.
 */

/** FNV-1a (32 bit) of a string's UTF-16 code units: stable across processes, versions and platforms. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32) so that ids differing in their last characters spread over small moduli.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A visitor's route: stored with its outbox rows, so a partition finds them as `route % partitions`. */
export function routeOf(workspaceId: string, visitorId: string): number {
  return fnv1a32(`${workspaceId}\u0000${visitorId}`);
}

/** The partition (0 … partitions-1) of a visitor. */
export function partitionOf(workspaceId: string, visitorId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return routeOf(workspaceId, visitorId) % partitions;
}

let lastSeq = 0;

/**
 * The next hand-over sequence number (an outbox row's `seq`): milliseconds × 1,000 plus a
 * counter, so it increases within a process even when the clock steps back, and orders rows of
 * different processes by time (as receivedAt did). Below 2^53 until the year 2255.
 */
export function nextSeq(now: number = Date.now()): number {
  lastSeq = Math.max(now * 1000, lastSeq + 1);
  return lastSeq;
}
