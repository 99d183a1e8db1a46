import { isCompanyEmail } from 'free-email-domains-list';
import { domainPattern } from '../events/payloads';
import type { CompanyRef } from '../visitors/visitor-types';

/** Labels of letters, digits and hyphens; the last one (the TLD) must contain a letter, so IPs are not domains. */
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z0-9-]*[a-z][a-z0-9-]*$/;

/** `https://www.Example.com/path` → `example.com`; null when it cannot be a domain. */
export function normalizeDomain(input: string): string | null {
  const text = input.trim().toLowerCase();
  if (!text) return null;
  let host: string;
  try {
    // URL gives the host of anything URL-like (scheme or not, with a path, a port or user info).
    host = new URL(text.includes('://') ? text : `http://${text}`).hostname;
  } catch {
    return null;
  }
  const domain = host.replace(/\.$/, '').replace(/^www\./, '');
  // The second test is the events' own rule, so a company we keep can always be emitted.
  return DOMAIN.test(domain) && domainPattern.test(domain) ? domain : null;
}

/** Company of an identified person: the explicit domain, else a work email's domain (never gmail.com & co). */
export function companyFromIdentity(input: { email?: string | null; company_domain?: string | null; company_name?: string | null }): CompanyRef | null {
  const explicit = input.company_domain ? normalizeDomain(input.company_domain) : null;
  const domain = explicit ?? emailCompanyDomain(input.email);
  return domain ? { domain, name: input.company_name ?? null } : null;
}

function emailCompanyDomain(email: string | null | undefined): string | null {
  const address = email?.trim().toLowerCase();
  // The free-domain list is lower-case and matched exactly, hence the lower-casing first.
  if (!address || !isCompanyEmail(address)) return null;
  return normalizeDomain(address.slice(address.lastIndexOf('@') + 1));
}
