import { locateIp } from '../../core/visitors/geo';

describe('locateIp', () => {
  it('locates a US address with country, continent and flag', async () => {
    expect(await locateIp('8.8.8.8')).toEqual({
      city: null,
      region: null,
      region_code: null,
      country: 'United States',
      country_code: 'US',
      continent: 'North America',
      continent_code: 'NA',
      emoji_flag: '🇺🇸',
      emoji_unicode: 'U+1F1FA U+1F1F8',
    });
  });

  it('locates a UK address down to region code and city', async () => {
    const geo = await locateIp('81.2.69.142');
    expect(geo).toMatchObject({ country: 'United Kingdom', country_code: 'GB', continent: 'Europe', continent_code: 'EU', region_code: 'ENG', region: null });
    expect(geo?.city).toEqual(expect.any(String));
    expect(geo?.emoji_unicode).toBe('U+1F1EC U+1F1E7');
  });

  it('looks up IPv4-mapped IPv6 addresses as IPv4', async () => {
    expect((await locateIp('::ffff:8.8.8.8'))?.country_code).toBe('US');
  });

  it('returns null for loopback, private and other non-public addresses', async () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.1.100', '172.16.0.1', '100.64.0.1', '169.254.1.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', '::ffff:127.0.0.1']) {
      expect(await locateIp(ip)).toBeNull();
    }
  });

  it('returns null for IPv6, which the bundled database cannot locate', async () => {
    expect(await locateIp('2001:4860:4860::8888')).toBeNull();
  });

  it('returns null for missing or invalid input', async () => {
    for (const ip of [null, undefined, '', 'not-an-ip', '1.2.3', '256.1.1.1', '01.2.3.4']) {
      expect(await locateIp(ip)).toBeNull();
    }
  });
});
