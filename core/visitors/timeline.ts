/**
 * A person's activity timeline as the API reads it: the entries of the person and of every
 * device (visitor) merged into it, newest first, each with Salespanel's page_duration.
 */
import { activityBucketRepository } from './activity-bucket.repository';
import { SESSION_INACTIVITY_MS } from './sessions';
import type { Activity } from './visitor-types';
import type { VisitorDoc } from './visitor.model';
import { visitorRepository } from './visitor.repository';

/** Buckets read per visitor (50 entries each): the newest 2,000 entries of every device. */
const MAX_BUCKETS_PER_VISITOR = 40;
/** Devices whose timelines are joined into one person's. */
const MAX_TIMELINE_SOURCES = 20;

export interface TimelineEntry {
  activity: Activity;
  pageDuration: number | null;
}

/** The person's entries and those of every device merged into it, newest first, each once. */
export async function timelineOf(person: VisitorDoc): Promise<TimelineEntry[]> {
  const sources = await mergedSources(person);
  const perSource = await Promise.all(
    sources.map(async (v) => {
      const items = await activityBucketRepository.readLatest(v._id, v.activityCount, MAX_BUCKETS_PER_VISITOR);
      const durations = pageDurations(items);
      return items.map((activity) => ({ activity, pageDuration: durations.get(activity.id) ?? null }));
    }),
  );
  const byId = new Map<string, TimelineEntry>();
  for (const entry of perSource.flat()) if (!byId.has(entry.activity.id)) byId.set(entry.activity.id, entry);
  return [...byId.values()].sort((a, b) => b.activity.at - a.activity.at || compareDesc(a.activity.id, b.activity.id));
}

/** The person and the visitors merged into it (and into those), by `_id` lookups only. */
async function mergedSources(person: VisitorDoc): Promise<VisitorDoc[]> {
  const sources = [person];
  const seen = new Set([person._id]);
  for (let i = 0; i < sources.length && sources.length < MAX_TIMELINE_SOURCES; i++) {
    const ids = (sources[i].mergedVisitorIds ?? []).filter((id) => !seen.has(id)).slice(0, MAX_TIMELINE_SOURCES - sources.length);
    ids.forEach((id) => seen.add(id));
    const found = await Promise.all(ids.map((id) => visitorRepository.findInWorkspace(person.workspaceId, id)));
    sources.push(...found.filter((v): v is VisitorDoc => v !== null));
  }
  return sources;
}

function compareDesc(a: string, b: string): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

/**
 * Salespanel's page_duration, computed at read time from one visitor's (device's) timeline:
 * seconds until that visitor's next page view, or nothing when the next one is over 30
 * minutes later (the session ended) or there is none yet.
 */
export function pageDurations(activities: readonly Activity[]): Map<string, number> {
  const links = activities.filter((a) => a.type === 'links').sort((x, y) => x.at - y.at);
  const durations = new Map<string, number>();
  links.forEach((page, i) => {
    const next = links[i + 1];
    if (next && next.at - page.at <= SESSION_INACTIVITY_MS) durations.set(page.id, Math.round((next.at - page.at) / 1000));
  });
  return durations;
}
