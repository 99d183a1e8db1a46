import fc from 'fast-check';
import { redactUrl } from '../../core/webhooks/redact-url';

describe('redactUrl', () => {
  it('keeps the origin and hides path, query and fragment', () => {
    expect(redactUrl('https://hooks.zapier.com/hooks/catch/123456/abcdef/')).toBe('https://hooks.zapier.com/…');
    expect(redactUrl('https://example.com/hook?token=s3cret')).toBe('https://example.com/…');
    expect(redactUrl('https://example.com:8443/')).toBe('https://example.com:8443');
    expect(redactUrl('not a url')).toBe('[invalid url]');
  });

  it('never lets a path or query segment through', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9]{12,30}$/);
    fc.assert(fc.property(segment, segment, (path, query) => !redactUrl(`https://hooks.example.com/${path}?k=${query}`).includes(path) && !redactUrl(`https://hooks.example.com/x?k=${query}`).includes(query)));
  });
});
