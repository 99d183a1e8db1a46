import { classifyReferrer, isSameSite } from '../../core/visitors/referrer';

const PAGE = 'https://www.acme.io/pricing?plan=pro';

describe('classifyReferrer', () => {
  it('classifies search engines as organic with the engine as source', () => {
    expect(classifyReferrer('https://www.google.com/', PAGE)).toEqual({ source: 'Google', medium: 'organic' });
    expect(classifyReferrer('https://www.google.co.uk/search?q=acme', PAGE)).toEqual({ source: 'Google', medium: 'organic' });
    expect(classifyReferrer('https://duckduckgo.com/', PAGE)).toEqual({ source: 'DuckDuckGo', medium: 'organic' });
  });

  it('classifies social networks as social', () => {
    expect(classifyReferrer('https://l.facebook.com/l.php?u=x', PAGE)).toEqual({ source: 'Facebook', medium: 'social' });
    expect(classifyReferrer('https://t.co/abc', PAGE)).toEqual({ source: 'Twitter', medium: 'social' });
  });

  it('classifies webmail as email', () => {
    expect(classifyReferrer('https://mail.google.com/', PAGE)).toEqual({ source: 'Gmail', medium: 'email' });
  });

  it('calls unknown sites a referral, named by host without www.', () => {
    expect(classifyReferrer('https://www.some-blog.example/post/1', PAGE)).toEqual({ source: 'some-blog.example', medium: 'referral' });
    expect(classifyReferrer('https://partner.example.org/', PAGE)).toEqual({ source: 'partner.example.org', medium: 'referral' });
  });

  it('maps the parser mediums it has no channel for (paid, unknown) to referral', () => {
    expect(classifyReferrer('https://www.googleadservices.com/pagead', PAGE)).toEqual({ source: 'Google', medium: 'referral' });
    expect(classifyReferrer('https://support.google.com/', PAGE)).toEqual({ source: 'Google', medium: 'referral' });
  });

  it('returns null for no referrer and for same-site navigation, ignoring www.', () => {
    expect(classifyReferrer(null, PAGE)).toBeNull();
    expect(classifyReferrer('', PAGE)).toBeNull();
    expect(classifyReferrer('https://www.acme.io/', PAGE)).toBeNull();
    expect(classifyReferrer('https://acme.io/blog/post', PAGE)).toBeNull();
    expect(classifyReferrer('http://ACME.io/', PAGE)).toBeNull();
  });

  it('treats another subdomain of the site as external', () => {
    expect(classifyReferrer('https://docs.acme.io/', PAGE)).toEqual({ source: 'docs.acme.io', medium: 'referral' });
  });

  it('does not throw on app referrers or unparseable strings', () => {
    expect(classifyReferrer('android-app://com.google.android.gm', PAGE)).toEqual({ source: 'Gmail', medium: 'email' });
    expect(classifyReferrer('android-app://com.example.newsreader', PAGE)).toEqual({ source: 'com.example.newsreader', medium: 'referral' });
    expect(classifyReferrer('not a url at all', PAGE)).toEqual({ source: 'not a url at all', medium: 'referral' });
    expect(classifyReferrer('https://www.google.com/', 'not a page url')).toEqual({ source: 'Google', medium: 'organic' });
  });
});

describe('isSameSite', () => {
  it('compares hosts without www.', () => {
    expect(isSameSite('https://acme.io/x', PAGE)).toBe(true);
    expect(isSameSite('https://evil-acme.io/x', PAGE)).toBe(false);
    expect(isSameSite(null, PAGE)).toBe(false);
    expect(isSameSite('garbage', PAGE)).toBe(false);
  });
});
