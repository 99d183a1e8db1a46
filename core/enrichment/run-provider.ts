/**
 * One provider, one lookup: picks what the provider looks up for a person and turns its answer
 * into Salespanel's person_details / company_details plus the provider's own fields.
 */
import type { VisitorDoc } from '../visitors/visitor.model';
import type { EnrichmentFields } from './person-enrichment.model';
import type { EnrichmentSettings, ProviderName } from './enrichment-settings';
import { lookupEmailDomain } from './providers/email-domain';
import { lookupIpNetwork } from './providers/ip-network';
import { callHttpProvider } from './providers/http-provider';

export interface ProviderInput {
  email: string | null;
  domain: string | null;
  ip: string | null;
  name: string | null;
}

export function providerInputOf(visitor: VisitorDoc, ip: string | null): ProviderInput {
  const emailDomain = visitor.email ? visitor.email.slice(visitor.email.lastIndexOf('@') + 1).toLowerCase() : null;
  return { email: visitor.email, domain: visitor.company?.domain ?? emailDomain, ip, name: visitor.person?.name ?? null };
}

/** What the provider's answer depends on (its cache key); null when it has nothing to look up. */
export function lookupKeyOf(provider: ProviderName, input: ProviderInput): string | null {
  switch (provider) {
    case 'email-domain':
      return input.email ? input.email.slice(input.email.lastIndexOf('@') + 1).toLowerCase() : null;
    case 'ip-network':
      return input.ip;
    case 'http':
      return input.email?.toLowerCase() ?? input.domain;
  }
}

/** `allowPrivate`: the webhook SSRF switch (ALLOW_PRIVATE_WEBHOOK_TARGETS) applies to the HTTP provider's URL too. */
export async function runProvider(provider: ProviderName, settings: EnrichmentSettings, input: ProviderInput, allowPrivate: boolean): Promise<EnrichmentFields> {
  switch (provider) {
    case 'email-domain': {
      const answer = lookupEmailDomain(input.email ?? '');
      const company: Record<string, string> = {};
      if (answer.domain) company.domain = answer.domain;
      if (answer.company_name) company.name = answer.company_name;
      return { person_details: {}, company_details: company, extra: { work_email: answer.work_email, email_domain: lookupKeyOf('email-domain', input) } };
    }
    case 'ip-network': {
      const network = input.ip ? await lookupIpNetwork(input.ip) : null;
      if (!network) return { person_details: {}, company_details: {}, extra: { network_organization: null, network_type: null, asn: null } };
      return {
        person_details: {},
        company_details: network.company_name ? { name: network.company_name } : {},
        extra: { network_organization: network.organization, network_type: network.network_type, asn: network.asn },
      };
    }
    case 'http': {
      const answer = await callHttpProvider(settings.providers.http, input, { policy: { allowPrivate } });
      return { person_details: answer.person_details, company_details: answer.company_details, extra: { ignored_fields: answer.ignored.length ? answer.ignored.join(', ') : null } };
    }
  }
}
