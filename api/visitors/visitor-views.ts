/**
 * Read views of the visitor model, snake_case like Salespanel's API (visitors, activities,
 * attribution). Stored documents stay camelCase.
 */
import { leadScoringView, leadScoringViewSchema } from '../leads/lead-scoring-views';
import type { LeadScoreDoc } from '../../core/scoring/lead-score.model';
import { leadScoreRepository } from '../../core/scoring/lead-score.repository';
import { segmentStandingRepository } from '../../core/segments/segment-standing.repository';
import { z } from 'zod';
import { attributionTouchSchema, utmParamsSchema } from '../../core/events/payloads';
import type { VisitorDoc } from '../../core/visitors/visitor.model';
import { sessionCount, timeSpentSeconds } from '../../core/visitors/sessions';
import { touchView } from '../../core/visitors/touch-view';
import type { Activity, Touch, UtmParams } from '../../core/visitors/visitor-types';
import { isoDate } from '../http/common-schemas';

const iso = (d: Date | number | null | undefined) => (d === null || d === undefined ? null : new Date(d).toISOString());
const text = z.string().nullable();

// ---- visitors ---------------------------------------------------------------------------------

const geoSchema = z.object({
  city: text,
  region: text,
  region_code: text,
  country: text,
  country_code: text,
  continent: text,
  continent_code: text,
  emoji_flag: text,
  emoji_unicode: text,
});

export const visitorViewSchema = z
  .object({
    id: z.string().meta({ example: 'vis_3f9c2a7d41e0b8c6a5d2e1f0' }),
    contact_id: z.string().meta({ description: 'Same as `id`: the person every merged device shares' }),
    email: text,
    customer_id: text.meta({ description: 'Your own user id, when sent with identify' }),
    person_details: z
      .object({ name: text.optional(), first_name: text.optional(), last_name: text.optional(), phone: text.optional(), title: text.optional(), organization: text.optional(), location: text.optional(), email: text })
      .catchall(z.unknown()),
    company_details: z.object({ name: text, domain: z.string() }).nullable(),
    acquisition_details: z
      .object({
        source: z.string(),
        medium: text,
        campaign: text,
        landing_page: text,
        landing_ip_address: text,
        landing_location: geoSchema.nullable(),
        landing_user_agent: z.object({ browser: text, device: text, device_os: text }).nullable(),
      })
      .nullable()
      .meta({ description: 'Traffic source, location and device when the visitor was first seen' }),
    visitor_attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    visitor_tags: z.array(z.string()),
    qualified_segments: z.array(z.string()).meta({ description: 'Ids of the segments the person qualifies for now' }),
    web_activity_summary: z.object({
      total_page_visits: z.number().int(),
      total_website_sessions: z.number().int(),
      total_time_spent: z.number().int().meta({ description: 'Seconds' }),
      first_seen: isoDate.nullable(),
      last_seen: isoDate.nullable(),
    }),
    identified_at: isoDate.nullable(),
    lead_id: text,
    lead_scoring: leadScoringViewSchema,
    merged_visitor_ids: z.array(z.string()).meta({ description: 'Visitors (devices) merged into this person by identify' }),
    created_at: isoDate,
  })
  .meta({ id: 'Visitor' });

export type VisitorView = z.infer<typeof visitorViewSchema>;

/** Visitor objects for a page of visitors, their scores and segments read in one go each (by visitor id). */
export async function visitorViewsOf(visitors: readonly VisitorDoc[]): Promise<Map<string, VisitorView>> {
  const [scores, segments] = await Promise.all([leadScoreRepository.findMany(visitors.flatMap((v) => (v.leadId ? [v.leadId] : []))), segmentStandingRepository.qualifiedFor(visitors.map((v) => v._id))]);
  return new Map(visitors.map((v) => [v._id, visitorView(v, v.leadId ? (scores.get(v.leadId) ?? null) : null, segments.get(v._id))]));
}

export function visitorView(v: VisitorDoc, score: LeadScoreDoc | null = null, segments: readonly string[] = []): VisitorView {
  const a = v.acquisition;
  return {
    id: v._id,
    contact_id: v._id,
    email: v.email ?? null,
    customer_id: v.customerId ?? null,
    person_details: { ...v.person, email: v.email ?? null },
    company_details: v.company ? { name: v.company.name ?? null, domain: v.company.domain } : null,
    acquisition_details: a
      ? {
          source: a.source,
          medium: a.medium ?? null,
          campaign: a.campaign ?? null,
          landing_page: a.landingPage ?? null,
          landing_ip_address: a.landingIp ?? null,
          landing_location: a.landingLocation ?? null,
          landing_user_agent: a.landingUserAgent ?? null,
        }
      : null,
    visitor_attributes: v.attributes ?? {},
    visitor_tags: v.tags ?? [],
    qualified_segments: [...new Set([...(v.segments ?? []), ...segments])],
    web_activity_summary: {
      total_page_visits: v.summary.pageVisits,
      total_website_sessions: sessionCount(v.summary),
      total_time_spent: timeSpentSeconds(v.summary),
      first_seen: iso(v.summary.firstSeen ?? v.firstSeenAt),
      last_seen: iso(v.summary.lastSeen ?? v.lastSeenAt),
    },
    identified_at: iso(v.identifiedAt),
    lead_id: v.leadId ?? null,
    lead_scoring: leadScoringView(score),
    merged_visitor_ids: v.mergedVisitorIds ?? [],
    created_at: v.createdAt.toISOString(),
  };
}

// ---- attribution ------------------------------------------------------------------------------

const utmOrNull = utmParamsSchema.nullable().meta({ description: 'Null when the touch carried no UTM parameters' });

export const attributionViewSchema = visitorViewSchema
  .extend({
    attribution_details: z.object({
      landing_page: text.meta({ description: 'First page of the first session' }),
      landing_page_source: text,
      landing_page_medium: text,
      first_touch_utm_parameters: utmOrNull,
      last_touch_source: text,
      last_touch_medium: text,
      last_touch_utm_parameters: utmOrNull,
      first_touch: attributionTouchSchema.nullable(),
      last_touch: attributionTouchSchema.nullable(),
      click_ids: z.record(z.string(), z.string()).meta({ description: 'Ad click ids seen on landing URLs, e.g. `gclid`' }),
    }),
  })
  .meta({ id: 'VisitorAttribution' });

export function attributionView(v: VisitorDoc, segments: readonly string[] = []): z.infer<typeof attributionViewSchema> {
  const first = v.firstTouch;
  const last = v.lastTouch;
  return {
    ...visitorView(v, null, segments),
    attribution_details: {
      landing_page: first?.landingPage ?? v.acquisition?.landingPage ?? null,
      landing_page_source: first?.source ?? null,
      landing_page_medium: first?.medium ?? null,
      first_touch_utm_parameters: utmOrNullOf(first),
      last_touch_source: last?.source ?? null,
      last_touch_medium: last?.medium ?? null,
      last_touch_utm_parameters: utmOrNullOf(last),
      first_touch: first ? touchView(first) : null,
      last_touch: last ? touchView(last) : null,
      click_ids: v.clickIds ?? {},
    },
  };
}

function utmOrNullOf(t: Touch | null): UtmParams | null {
  return t && Object.keys(t.utm ?? {}).length > 0 ? t.utm : null;
}

// ---- activities -------------------------------------------------------------------------------

export const activityViewSchema = z
  .discriminatedUnion('activity_type', [
    z.object({
      activity_type: z.literal('links'),
      id: z.string(),
      page_title: text,
      link: z.string(),
      form: z.boolean().meta({ description: 'A form was submitted on this page' }),
      created_on: isoDate,
      page_duration: z.number().int().nullable().meta({ description: "Seconds until the visitor's next page view, when within 30 minutes" }),
      referrer_link: text,
      utm_params: utmParamsSchema,
    }),
    z.object({
      activity_type: z.literal('custom_activity'),
      id: z.string(),
      category: z.string(),
      label: z.string(),
      activity_identifier: text,
      metadata: z.record(z.string(), z.unknown()),
      created_on: isoDate,
    }),
    z.object({ activity_type: z.literal('email'), id: z.string(), subject: z.string(), created_on: isoDate }),
  ])
  .meta({ id: 'VisitorActivity' });

export type ActivityView = z.infer<typeof activityViewSchema>;

export function activityView(a: Activity, pageDuration: number | null): ActivityView {
  const created_on = new Date(a.at).toISOString();
  switch (a.type) {
    case 'links':
      return { activity_type: 'links', id: a.id, page_title: a.title ?? null, link: a.url, form: a.form, created_on, page_duration: pageDuration, referrer_link: a.referrer ?? null, utm_params: a.utm ?? {} };
    case 'custom_activity':
      return { activity_type: 'custom_activity', id: a.id, category: a.category, label: a.label, activity_identifier: a.activityIdentifier ?? null, metadata: a.metadata ?? {}, created_on };
    case 'email':
      return { activity_type: 'email', id: a.id, subject: a.subject, created_on };
  }
}
