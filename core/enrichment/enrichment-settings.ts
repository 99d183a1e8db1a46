/**
 * A workspace's enrichment settings: which providers run, how the generic HTTP provider is
 * reached and how its answer maps onto person_details / company_details, and how long results
 * are cached. One zod schema validates API input, documents it (OpenAPI, via `.meta`) and
 * fills defaults: `enrichmentSettingsSchema.parse({})` is `defaultEnrichmentSettings`.
 */
import { z } from 'zod';

export const providerNames = ['email-domain', 'ip-network', 'http'] as const;
export type ProviderName = (typeof providerNames)[number];

/** person_details fields a mapping may fill (the person events' `person_details` block). */
export const personDetailFields = ['name', 'first_name', 'last_name', 'phone', 'job_title', 'organization', 'location', 'linkedin', 'twitter', 'website', 'bio'] as const;
/** company_details fields a mapping may fill. */
export const companyDetailFields = ['name', 'domain', 'website', 'industry', 'employee_range', 'location', 'country_code', 'linkedin'] as const;

export const mappingTargets = [...personDetailFields.map((field) => `person_details.${field}` as const), ...companyDetailFields.map((field) => `company_details.${field}` as const)];
export type MappingTarget = (typeof mappingTargets)[number];
const mappingTargetSet: ReadonlySet<string> = new Set(mappingTargets);

export function isMappingTarget(key: string): key is MappingTarget {
  return mappingTargetSet.has(key);
}

export const MAX_SOURCE_PATH_SEGMENTS = 20;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** Segments that would walk into an object's prototype machinery instead of its data. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a source path is refused, or null when it is a valid dot path. Shared with the mapper. */
export function sourcePathProblem(path: string): string | null {
  const segments = path.split('.');
  if (segments.length > MAX_SOURCE_PATH_SEGMENTS) return `At most ${MAX_SOURCE_PATH_SEGMENTS} segments`;
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) return 'Expected a dot path of letters, digits, `_` and `-`, e.g. `person.title`';
    if (FORBIDDEN_SEGMENTS.has(segment)) return `Segment \`${segment}\` is not allowed`;
  }
  return null;
}

const sourcePath = z
  .string()
  .superRefine((path, ctx) => {
    const problem = sourcePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'Dot path into the provider JSON answer, e.g. `person.title` or `company.metrics.employees`' });

/** Keys are checked one by one so an error names the bad key (path `providers.http.mapping.<key>`). */
const mapping = z
  .record(z.string(), sourcePath)
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!isMappingTarget(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `Unknown mapping target; expected one of ${mappingTargets.join(', ')}` });
      }
    }
  })
  .transform((value) => value as Partial<Record<MappingTarget, string>>)
  .meta({ description: 'Target field (`person_details.<field>` or `company_details.<field>`) ← source dot path in the answer' });

/** RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the provider call sets itself or that would change how the request is framed. */
const RESERVED_HEADERS = new Set(['host', 'content-type', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-connection']);

const authHeader = z
  .object({
    name: z
      .string()
      .regex(HEADER_NAME, 'Expected an HTTP header name such as `Authorization`')
      .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'This header is set by Signalbox'),
    // Visible ASCII and inner spaces/tabs only: no CR/LF header injection.
    value: z
      .string()
      .max(4096)
      .regex(/^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/, 'Expected printable ASCII without leading or trailing spaces'),
  })
  .meta({ description: 'Header sent with every provider request, e.g. `Authorization: Bearer …`; the value is masked in API answers' });

const httpUrl = z.url({ protocol: /^https?$/, error: 'Expected an http(s) URL' }).max(2048);

export const httpProviderSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    url: httpUrl.nullable().default(null).meta({ description: 'Endpoint receiving `POST {email, domain, ip, name}`; required when enabled' }),
    auth_header: authHeader.nullable().default(null),
    mapping: mapping.prefault({}),
    timeout_ms: z.number().int().min(100).max(30_000).default(5000).meta({ description: 'Deadline for the whole request, 100..30000 ms' }),
  })
  .superRefine((http, ctx) => {
    if (http.enabled && !http.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'A URL is required when the HTTP provider is enabled' });
  })
  .meta({ description: 'Generic HTTP enrichment provider' });
export type HttpProviderSettings = z.infer<typeof httpProviderSettingsSchema>;

const toggle = (enabledByDefault: boolean, description: string) => z.object({ enabled: z.boolean().default(enabledByDefault) }).meta({ description });

export const enrichmentSettingsSchema = z
  .object({
    providers: z
      .object({
        'email-domain': toggle(true, 'Work vs free email, company domain and name from the email domain (offline)').prefault({}),
        'ip-network': toggle(true, 'Owning network of the visitor IP (offline ASN data); ISPs, carriers and clouds are never reported as the company').prefault({}),
        http: httpProviderSettingsSchema.prefault({}),
      })
      .prefault({}),
    cache_ttl_hours: z.number().min(0).max(8760).default(168).meta({ description: 'How long provider results are reused, in hours; 0 disables the cache' }),
  })
  .meta({ description: "A workspace's enrichment settings" });

export type EnrichmentSettings = z.infer<typeof enrichmentSettingsSchema>;
export type EnrichmentSettingsInput = z.input<typeof enrichmentSettingsSchema>;

export const defaultEnrichmentSettings: EnrichmentSettings = enrichmentSettingsSchema.parse({});

const MASK = '••••';
/** Values shorter than this are masked completely: showing 4 of 6 characters would leak most of them. */
const MIN_LENGTH_TO_SHOW_TAIL = 8;

/** A copy safe for API output: the auth header value becomes `••••` + its last 4 characters. */
export function maskSettings(settings: EnrichmentSettings): EnrichmentSettings {
  const header = settings.providers.http.auth_header;
  if (!header) return settings;
  const tail = header.value.length >= MIN_LENGTH_TO_SHOW_TAIL ? header.value.slice(-4) : '';
  return {
    ...settings,
    providers: { ...settings.providers, http: { ...settings.providers.http, auth_header: { name: header.name, value: `${MASK}${tail}` } } },
  };
}
