/**
 * Email-domain provider (offline): is this a work address, and which company does its domain
 * name? Free mail (gmail.com & co, from `free-email-domains-list`) names no company. The
 * company domain is the registrable domain (public suffix list via `tldts`), so
 * `jo@mail.eu.acme.co.uk` gives `acme.co.uk`, and the name is made from its label.
 */
import { domainToUnicode } from 'node:url';
import { DOMAINS as FREE_EMAIL_DOMAINS, isCompanyEmail, isFreeEmail } from 'free-email-domains-list';
import { getDomain, getDomainWithoutSuffix } from 'tldts';
import { normalizeDomain } from '../../companies/company-from-identity';
import { ProviderError } from '../provider-error';

export interface EmailDomainResult {
  work_email: boolean;
  /** Registrable company domain; null for free mail. */
  domain: string | null;
  /** Readable name from the domain label (`northwind-analytics.co.uk` → `Northwind Analytics`); null for free mail. */
  company_name: string | null;
}

const FREE: EmailDomainResult = { work_email: false, domain: null, company_name: null };

export function lookupEmailDomain(email: string): EmailDomainResult {
  const address = typeof email === 'string' ? email.trim().toLowerCase() : '';
  // Both checks validate the address first (validator's isEmail); neither holds for a bad one.
  if (!isFreeEmail(address) && !isCompanyEmail(address)) throw invalid();
  const host = normalizeDomain(address.slice(address.lastIndexOf('@') + 1));
  if (!host) throw invalid();
  if (FREE_EMAIL_DOMAINS.has(host)) return FREE;
  const domain = getDomain(host);
  if (!domain) throw invalid();
  // Sub-domains of free providers (`mail.yahoo.co.uk`) are still free mail.
  if (FREE_EMAIL_DOMAINS.has(domain)) return FREE;
  return { work_email: true, domain, company_name: companyNameFromDomain(domain) };
}

/** `northwind-analytics.co.uk` → `Northwind Analytics`; `acme.com` → `Acme`. */
export function companyNameFromDomain(domain: string): string | null {
  const label = getDomainWithoutSuffix(domain) ?? domain.split('.')[0];
  if (!label) return null;
  // Punycode labels (`xn--…`) are shown as the Unicode their owner registered.
  const readable = label.startsWith('xn--') ? domainToUnicode(label) || label : label;
  const words = readable.split(/[-_]+/).filter(Boolean);
  if (words.length === 0) return null;
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

function invalid(): ProviderError {
  return new ProviderError('invalid_input', 'Not a valid email address', { retryable: false });
}
