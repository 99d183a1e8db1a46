import { ProviderError } from '../../core/enrichment/provider-error';
import { companyNameFromDomain, lookupEmailDomain } from '../../core/enrichment/providers/email-domain';

describe('lookupEmailDomain', () => {
  it('gives the registrable domain and a name for a work address', () => {
    expect(lookupEmailDomain('jo@acme.com')).toEqual({ work_email: true, domain: 'acme.com', company_name: 'Acme' });
    expect(lookupEmailDomain('jo@mail.eu.acme.co.uk')).toEqual({ work_email: true, domain: 'acme.co.uk', company_name: 'Acme' });
    expect(lookupEmailDomain('  Jo.Smith@Northwind-Analytics.CO.UK ')).toEqual({ work_email: true, domain: 'northwind-analytics.co.uk', company_name: 'Northwind Analytics' });
  });

  it.each(['jo@gmail.com', 'JO@GMAIL.COM', 'jo@outlook.com', 'jo@yahoo.com', 'jo@mail.yahoo.co.uk'])('treats %s as free mail', (email) => {
    expect(lookupEmailDomain(email)).toEqual({ work_email: false, domain: null, company_name: null });
  });

  it.each(['', 'jo', 'jo@', '@acme.com', 'jo@acme', 'jo@localhost', 'jo@10.0.0.1', 'jo@@acme.com', 'jo acme.com'])('refuses %j as invalid input', (email) => {
    let thrown: unknown;
    try {
      lookupEmailDomain(email);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect(thrown).toMatchObject({ errorClass: 'invalid_input', retryable: false });
  });
});

describe('companyNameFromDomain', () => {
  it('title-cases the label without the public suffix', () => {
    expect(companyNameFromDomain('northwind-analytics.co.uk')).toBe('Northwind Analytics');
    expect(companyNameFromDomain('acme.io')).toBe('Acme');
    expect(companyNameFromDomain('big_data-co.com')).toBe('Big Data Co');
    expect(companyNameFromDomain('xn--bcher-kva.de')).toBe('Bücher');
  });
});
