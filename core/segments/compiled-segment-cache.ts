import { compileSegment, type CompiledSegment } from './evaluate-segment';
import type { SegmentDoc } from './segment.model';

/** Compiled rules by segment id and version (a rules edit is a new version). */
const compiled = new Map<string, CompiledSegment>();
const MAX_COMPILED = 1_000;

export function compiledFor(segment: Pick<SegmentDoc, '_id' | 'version' | 'rules'>): CompiledSegment {
  const key = `${segment._id}:${segment.version}`;
  let rules = compiled.get(key);
  if (!rules) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    rules = compileSegment(segment.rules);
    compiled.set(key, rules);
  }
  return rules;
}
