import fc from 'fast-check';
import { asnIndexStats, classifyNetwork, cleanOrganizationName, loadAsnIndex, lookupIpNetwork, splitCsvLine } from '../../core/enrichment/providers/ip-network';

// Real package data (@ip-location-db/asn); the first load takes about a second.
beforeAll(() => Promise.all([loadAsnIndex(), loadAsnIndex()]), 60_000);

describe('lookupIpNetwork (real ASN data)', () => {
  it('loads every range once', () => {
    const stats = asnIndexStats();
    expect(stats?.ipv4Ranges).toBeGreaterThan(100_000);
    expect(stats?.ipv6Ranges).toBeGreaterThan(10_000);
  });

  it('finds Google for 8.8.8.8 and flags it as hosting', async () => {
    expect(await lookupIpNetwork('8.8.8.8')).toEqual({ asn: 15169, organization: 'Google LLC', network_type: 'hosting', company_name: null });
  });

  it('finds Cloudflare for 1.1.1.1', async () => {
    expect(await lookupIpNetwork('1.1.1.1')).toMatchObject({ asn: 13335, organization: 'Cloudflare, Inc.', network_type: 'hosting', company_name: null });
  });

  it('finds IPv6 and IPv4-mapped addresses', async () => {
    expect(await lookupIpNetwork('2001:4860:4860::8888')).toMatchObject({ asn: 15169, network_type: 'hosting' });
    expect(await lookupIpNetwork('2606:4700:4700::1111')).toMatchObject({ asn: 13335 });
    expect(await lookupIpNetwork('::ffff:8.8.8.8')).toMatchObject({ asn: 15169 });
  });

  it('flags a residential ISP', async () => {
    expect(await lookupIpNetwork('24.5.0.1')).toMatchObject({ asn: 7922, network_type: 'isp', company_name: null });
  });

  it('reports a business network as the company', async () => {
    expect(await lookupIpNetwork('17.253.144.10')).toEqual({ asn: 714, organization: 'Apple Inc.', network_type: 'business', company_name: 'Apple' });
  });

  it('resolves the row that overlaps its predecessor in the data (the later range wins)', async () => {
    // asn-ipv4-num.csv: 3596550144-3607166975 AS749 is followed by 3607101440-3607167999 AS721.
    expect(await lookupIpNetwork('215.0.0.0')).toMatchObject({ asn: 721 }); // 3607101440
    expect(await lookupIpNetwork('214.255.255.255')).toMatchObject({ asn: 749 }); // 3607101439
  });

  it.each(['10.0.0.1', '192.168.1.1', '172.16.5.4', '127.0.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '192.0.2.1', '::1', '::', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', 'ff02::1'])(
    'answers null for the non-public address %s',
    async (ip) => {
      expect(await lookupIpNetwork(ip)).toBeNull();
    },
  );

  it.each(['', 'junk', '8.8.8', '8.8.8.8.8', '127.1', '0x08080808', '134744072', '[2001:4860:4860::8888]', '2001:4860:4860::8888%eth0', ' '])('answers null for the malformed input %j', async (ip) => {
    expect(await lookupIpNetwork(ip)).toBeNull();
  });

  it('never throws, and answers null or a well-formed network, for arbitrary strings', async () => {
    const input = fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.constantFrom('::ffff:1.2.3.4', '2a00::1', '223.255.255.255'));
    await fc.assert(
      fc.asyncProperty(input, async (ip) => {
        const network = await lookupIpNetwork(ip);
        if (network === null) return;
        expect(Number.isInteger(network.asn)).toBe(true);
        expect(typeof network.organization).toBe('string');
        expect(['isp', 'mobile', 'hosting', 'business']).toContain(network.network_type);
        expect(network.company_name === null || network.network_type === 'business').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classifyNetwork', () => {
  it.each<[number, string, string]>([
    [16509, 'Amazon.com, Inc.', 'hosting'],
    [8075, 'Microsoft Corporation', 'hosting'],
    [14061, 'DigitalOcean, LLC', 'hosting'],
    [24940, 'Hetzner Online GmbH', 'hosting'],
    [7018, 'AT&T Enterprises, LLC', 'isp'],
    [3320, 'Deutsche Telekom AG', 'isp'],
    [21928, 'T-Mobile USA, Inc.', 'mobile'],
    [25135, 'Vodafone Limited', 'mobile'],
  ])('knows AS%i (%s) as %s', (asn, org, type) => {
    expect(classifyNetwork(asn, org)).toEqual({ network_type: type, company_name: null });
  });

  it.each<[string, string]>([
    ['Acme Mobile Networks', 'mobile'],
    ['Rural Wireless Co-op', 'mobile'],
    ['Example Cellular', 'mobile'],
    ['Foo Hosting Ltd', 'hosting'],
    ['Bar Cloud Services', 'hosting'],
    ['Baz Data Center', 'hosting'],
    ['Qux Datacenter B.V.', 'hosting'],
    ['Fast VPS Provider', 'hosting'],
    ['Nordic Servers AB', 'hosting'],
    ['Springfield Telecom', 'isp'],
    ['Valley Broadband LLC', 'isp'],
    ['Metro Cable TV', 'isp'],
    ['Northern Communications Inc', 'isp'],
    ['Sample Internet Service Provider', 'isp'],
  ])('recognises %j by keyword as %s', (org, type) => {
    expect(classifyNetwork(4_200_000_000, org)).toEqual({ network_type: type, company_name: null });
  });

  it('reports anything else as a business with a cleaned name', () => {
    expect(classifyNetwork(4_200_000_000, 'Acme Widgets, Inc.')).toEqual({ network_type: 'business', company_name: 'Acme Widgets' });
    expect(classifyNetwork(4_200_000_000, 'Dispatch Systems GmbH')).toEqual({ network_type: 'business', company_name: 'Dispatch Systems' });
  });
});

describe('cleanOrganizationName', () => {
  it.each([
    ['Apple Inc.', 'Apple'],
    ['Acme Widgets, Inc.', 'Acme Widgets'],
    ['Siemens AG', 'Siemens'],
    ['Foo Pty Ltd', 'Foo'],
    ['Bar Holdings Limited', 'Bar Holdings'],
    ['Dailymotion S.A.', 'Dailymotion'],
    ['Example B.V.', 'Example'],
    ['LLC "SPUTNIK"', 'SPUTNIK'],
    ['IBM', 'IBM'],
    ['Inc.', 'Inc.'],
    ['  Spaced   Out   LLC ', 'Spaced Out'],
  ])('%j → %j', (org, name) => {
    expect(cleanOrganizationName(org)).toBe(name);
  });
});

describe('splitCsvLine', () => {
  it('splits plain and quoted fields, with doubled quotes', () => {
    expect(splitCsvLine('1,2,3,Google LLC')).toEqual(['1', '2', '3', 'Google LLC']);
    expect(splitCsvLine('1,2,3,"Cloudflare, Inc."')).toEqual(['1', '2', '3', 'Cloudflare, Inc.']);
    expect(splitCsvLine('1,2,3,"LLC ""SPUTNIK"""')).toEqual(['1', '2', '3', 'LLC "SPUTNIK"']);
    expect(splitCsvLine('1,2,3,')).toEqual(['1', '2', '3', '']);
    expect(splitCsvLine('"a,b",c')).toEqual(['a,b', 'c']);
  });
});
