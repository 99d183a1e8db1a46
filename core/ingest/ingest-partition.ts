/**
 * Routing of ingest events to partitions (INGEST_PIPELINE=partitions). A visitor always maps to
 * the same partition for a given count, so one partition workflow is the only writer of a visitor
 * and applies its events in arrival order. Pure: no I/O.
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

/** The partition (0 … partitions-1) of a visitor. */
export function partitionOf(workspaceId: string, visitorId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a32(`${workspaceId}\u0000${visitorId}`) % partitions;
}
