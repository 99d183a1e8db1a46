import { companyFromIdentity, normalizeDomain } from '../../core/companies/company-from-identity';

describe('normalizeDomain', () => {
  it('extracts a lower-case host without www.', () => {
    expect(normalizeDomain('example.com')).toBe('example.com');
    expect(normalizeDomain('https://www.Example.com/path?q=1')).toBe('example.com');
    expect(normalizeDomain('www.example.co.uk')).toBe('example.co.uk');
    expect(normalizeDomain('  ACME.io:8080/x ')).toBe('acme.io');
    expect(normalizeDomain('sub.acme.io.')).toBe('sub.acme.io');
  });

  it('rejects what cannot be a domain', () => {
    expect(normalizeDomain('')).toBeNull();
    expect(normalizeDomain('localhost')).toBeNull();
    expect(normalizeDomain('acme corp')).toBeNull();
    expect(normalizeDomain('acme_corp.com')).toBeNull();
    expect(normalizeDomain('10.0.0.1')).toBeNull();
    expect(normalizeDomain('http://')).toBeNull();
  });
});

describe('companyFromIdentity', () => {
  it('prefers an explicit company domain', () => {
    expect(companyFromIdentity({ email: 'jo@gmail.com', company_domain: 'https://www.TechCorp.com', company_name: 'TechCorp Inc' })).toEqual({ domain: 'techcorp.com', name: 'TechCorp Inc' });
  });

  it('uses the domain of a company email', () => {
    expect(companyFromIdentity({ email: 'jo@techcorp.com' })).toEqual({ domain: 'techcorp.com', name: null });
    expect(companyFromIdentity({ email: 'Jo@Sub.TechCorp.com', company_name: 'TechCorp' })).toEqual({ domain: 'sub.techcorp.com', name: 'TechCorp' });
  });

  it('ignores free email providers, whatever their case', () => {
    expect(companyFromIdentity({ email: 'jo@gmail.com' })).toBeNull();
    expect(companyFromIdentity({ email: 'jo@yahoo.com', company_name: 'Freelance' })).toBeNull();
    expect(companyFromIdentity({ email: 'Jo@GMAIL.com' })).toBeNull();
  });

  it('falls back to the email when the explicit domain is not a domain', () => {
    expect(companyFromIdentity({ email: 'jo@techcorp.com', company_domain: 'not a domain' })).toEqual({ domain: 'techcorp.com', name: null });
  });

  it('returns null without a usable domain', () => {
    expect(companyFromIdentity({})).toBeNull();
    expect(companyFromIdentity({ email: null, company_domain: null, company_name: 'Acme' })).toBeNull();
    expect(companyFromIdentity({ email: 'not-an-email' })).toBeNull();
  });
});
