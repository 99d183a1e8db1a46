import fc from 'fast-check';
import { clientIpBucket } from '../../api/http/client-ip-bucket';

describe('clientIpBucket', () => {
  it('counts IPv4 addresses one by one', () => {
    expect(clientIpBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientIpBucket('203.0.113.8')).toBe('203.0.113.8');
  });

  it('counts an IPv6 /64 as one client, whatever its spelling', () => {
    const bucket = clientIpBucket('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    expect(clientIpBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(bucket);
    expect(clientIpBucket('2001:db8:1:3::1')).not.toBe(bucket);
  });

  it('puts every address of a /64 in the same bucket', () => {
    const hextet = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(fc.property(fc.tuple(hextet, hextet, hextet, hextet), (tail) => clientIpBucket(`2001:db8:aa:bb:${tail.join(':')}`) === '2001:db8:aa:bb::/64'));
  });

  it('treats IPv4-mapped IPv6 as IPv4, and a missing address as one bucket', () => {
    expect(clientIpBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientIpBucket(undefined)).toBe('unknown');
  });
});
