import { defaultEnrichmentSettings, enrichmentSettingsSchema, maskSettings, mappingTargets, providerNames, sourcePathProblem } from '../../core/enrichment/enrichment-settings';

function issues(input: unknown): Array<[string, string]> {
  const result = enrichmentSettingsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

function paths(input: unknown): string[] {
  return issues(input).map(([path]) => path);
}

const enabledHttp = (http: Record<string, unknown>) => ({ providers: { http: { enabled: true, url: 'https://enrich.example.com/v1', ...http } } });

describe('enrichment settings defaults', () => {
  it('fills every field from an empty object', () => {
    expect(enrichmentSettingsSchema.parse({})).toEqual({
      providers: {
        'email-domain': { enabled: true },
        'ip-network': { enabled: true },
        http: { enabled: false, url: null, auth_header: null, mapping: {}, timeout_ms: 5000 },
      },
      cache_ttl_hours: 168,
    });
    expect(defaultEnrichmentSettings).toEqual(enrichmentSettingsSchema.parse({}));
  });

  it('keeps defaults for what a partial input leaves out', () => {
    const parsed = enrichmentSettingsSchema.parse({ providers: { 'ip-network': { enabled: false } }, cache_ttl_hours: 0 });
    expect(parsed.providers['ip-network'].enabled).toBe(false);
    expect(parsed.providers['email-domain'].enabled).toBe(true);
    expect(parsed.providers.http.timeout_ms).toBe(5000);
    expect(parsed.cache_ttl_hours).toBe(0);
  });

  it('names the three providers', () => {
    expect(providerNames).toEqual(['email-domain', 'ip-network', 'http']);
    expect(Object.keys(defaultEnrichmentSettings.providers).sort()).toEqual([...providerNames].sort());
  });

  it('accepts a full HTTP provider configuration', () => {
    const parsed = enrichmentSettingsSchema.parse(
      enabledHttp({
        auth_header: { name: 'Authorization', value: 'Bearer sk_live_123456' },
        mapping: { 'person_details.job_title': 'person.title', 'company_details.employee_range': 'company.metrics.employees' },
        timeout_ms: 30_000,
      }),
    );
    expect(parsed.providers.http.mapping).toEqual({ 'person_details.job_title': 'person.title', 'company_details.employee_range': 'company.metrics.employees' });
  });
});

describe('enrichment settings refusals', () => {
  it('requires a URL when the HTTP provider is enabled', () => {
    expect(paths({ providers: { http: { enabled: true } } })).toEqual(['providers.http.url']);
    expect(paths({ providers: { http: { enabled: false } } })).toEqual([]);
  });

  it('accepts only http(s) URLs', () => {
    expect(paths(enabledHttp({ url: 'ftp://example.com/x' }))).toEqual(['providers.http.url']);
    expect(paths(enabledHttp({ url: 'not a url' }))).toEqual(['providers.http.url']);
    expect(paths(enabledHttp({ url: 'http://example.com/x' }))).toEqual([]);
  });

  it('bounds timeout and cache TTL', () => {
    expect(paths(enabledHttp({ timeout_ms: 99 }))).toEqual(['providers.http.timeout_ms']);
    expect(paths(enabledHttp({ timeout_ms: 30_001 }))).toEqual(['providers.http.timeout_ms']);
    expect(paths({ cache_ttl_hours: -1 })).toEqual(['cache_ttl_hours']);
    expect(paths({ cache_ttl_hours: 8761 })).toEqual(['cache_ttl_hours']);
  });

  it('names an unknown mapping target by its key', () => {
    expect(paths(enabledHttp({ mapping: { 'person_details.salary': 'a' } }))).toEqual(['providers.http.mapping.person_details.salary']);
    expect(paths(enabledHttp({ mapping: { 'company_details.bio': 'a' } }))).toEqual(['providers.http.mapping.company_details.bio']);
    expect(paths(enabledHttp({ mapping: { name: 'a' } }))).toEqual(['providers.http.mapping.name']);
  });

  it('accepts every documented mapping target', () => {
    expect(mappingTargets).toHaveLength(19);
    const mapping = Object.fromEntries(mappingTargets.map((target) => [target, 'a.b']));
    expect(paths(enabledHttp({ mapping }))).toEqual([]);
  });

  it.each(['', 'a..b', '.a', 'a.', 'a b', 'a.__proto__', 'constructor', 'x.prototype.y', 'a/b', `a${'.a'.repeat(20)}`])('refuses source path %j', (source) => {
    expect(paths(enabledHttp({ mapping: { 'person_details.name': source } }))).toEqual(['providers.http.mapping.person_details.name']);
  });

  it('accepts dot paths up to 20 segments', () => {
    expect(sourcePathProblem(`a${'.a'.repeat(19)}`)).toBeNull();
    expect(sourcePathProblem('company.metrics.employees')).toBeNull();
    expect(sourcePathProblem('items.0.full-name_x')).toBeNull();
  });

  it('refuses header names and values that could break the request', () => {
    expect(paths(enabledHttp({ auth_header: { name: 'Content-Type', value: 'x' } }))).toEqual(['providers.http.auth_header.name']);
    expect(paths(enabledHttp({ auth_header: { name: 'X Key', value: 'x' } }))).toEqual(['providers.http.auth_header.name']);
    expect(paths(enabledHttp({ auth_header: { name: 'X-Key', value: 'abc\r\nX-Evil: 1' } }))).toEqual(['providers.http.auth_header.value']);
    expect(paths(enabledHttp({ auth_header: { name: 'X-Key', value: '' } }))).toEqual(['providers.http.auth_header.value']);
  });
});

describe('maskSettings', () => {
  const withHeader = (value: string) => enrichmentSettingsSchema.parse(enabledHttp({ auth_header: { name: 'Authorization', value } }));

  it('shows only the last 4 characters of the auth header value', () => {
    const masked = maskSettings(withHeader('Bearer sk_live_abcd1234'));
    expect(masked.providers.http.auth_header).toEqual({ name: 'Authorization', value: '••••1234' });
    expect(JSON.stringify(masked)).not.toContain('sk_live');
  });

  it('masks short values completely', () => {
    expect(maskSettings(withHeader('abc123')).providers.http.auth_header?.value).toBe('••••');
  });

  it('does not change the original and leaves header-less settings alone', () => {
    const settings = withHeader('Bearer sk_live_abcd1234');
    maskSettings(settings);
    expect(settings.providers.http.auth_header?.value).toBe('Bearer sk_live_abcd1234');
    expect(maskSettings(defaultEnrichmentSettings)).toEqual(defaultEnrichmentSettings);
  });
});
