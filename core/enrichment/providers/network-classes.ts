/**
 * Data for `classifyNetwork` (ip-network.ts): networks whose address says nothing about the
 * visitor's employer. A visitor on Comcast, a phone carrier or AWS is not "from" Comcast, the
 * carrier or Amazon, so those are flagged and never reported as the visitor's company.
 *
 * Well-known ASNs decide first (they are exact); keywords in the organisation name catch the
 * long tail. A keyword list errs on the side of "not a company": a business whose name contains
 * e.g. "Communications" (Zoom Video Communications) is reported as an ISP, which only loses a
 * company match, whereas the opposite error would name a telecom as the visitor's employer.
 */

export type NetworkClass = 'isp' | 'mobile' | 'hosting';

/** Clouds, CDNs, hosting companies, security proxies: traffic from machines or relayed traffic. */
const HOSTING_ASNS = [
  16509, 14618, 8987, // Amazon AWS
  15169, 396982, 19527, 139070, 36040, 43515, // Google, Google Cloud, YouTube
  8075, 8068, 8069, 8070, 12076, // Microsoft, Azure
  13335, 209242, // Cloudflare (incl. WARP)
  14061, // DigitalOcean
  24940, 213230, // Hetzner
  16276, 35540, // OVH
  20940, 16625, 21342, 32787, 63949, 12222, 35994, // Akamai, Prolexic, Linode
  20473, // Vultr (The Constant Company)
  31898, // Oracle Cloud
  36351, // IBM Cloud / SoftLayer
  45102, 37963, // Alibaba Cloud
  132203, 45090, // Tencent Cloud
  54113, // Fastly
  60781, 16265, 28753, 30633, // Leaseweb
  12876, // Scaleway
  51167, // Contabo
  47583, // Hostinger
  26496, 398101, // GoDaddy
  19994, 27357, // Rackspace
  22616, 53813, // Zscaler
  9009, // M247
  212238, // Datacamp (CDN77)
  46606, // Unified Layer (Bluehost)
  62567, // DigitalOcean (legacy)
];

/** Mobile carriers: addresses are shared by thousands of phones (CGNAT). */
const MOBILE_ASNS = [
  21928, // T-Mobile USA
  6167, 22394, // Verizon Wireless
  20057, // AT&T Mobility
  10507, // Sprint
  25135, // Vodafone UK
  12576, // EE
  35228, // O2 UK (Telefonica UK)
  60339, 206067, // Three UK
  9808, 56040, 56041, 56042, 56044, 56046, 56047, 56048, // China Mobile
  55836, // Reliance Jio
  45609, // Bharti Airtel mobile
  24608, 30722, // Wind Tre, Vodafone Italia
  16135, // Turkcell
  26599, // TIM Brasil
  27995, // Claro
];

/** Fixed-line ISPs and transit networks. */
const ISP_ASNS = [
  7922, 7015, 7725, 33491, 33650, 33651, 33652, 33657, 33659, 33660, 33662, 33667, 33668, // Comcast
  20115, 11351, 10796, 11426, 12271, 33363, 20001, 7843, // Charter / Spectrum
  22773, // Cox
  701, 702, 703, // Verizon
  7018, // AT&T
  209, 3356, 22561, 3549, // Lumen / CenturyLink / Level 3
  5650, // Frontier
  7029, // Windstream
  6128, // Altice / Optimum
  3320, // Deutsche Telekom
  3209, 1273, // Vodafone
  2856, // BT
  5607, // Sky UK
  5089, // Virgin Media
  3215, 5511, // Orange
  12322, // Free
  15557, // SFR
  3352, 6805, // Telefonica
  3269, // Telecom Italia
  1136, // KPN
  33915, // Ziggo
  3303, // Swisscom
  1299, 3301, // Telia
  577, // Bell Canada
  812, // Rogers
  6327, // Shaw
  1221, // Telstra
  2914, 4713, // NTT
  2516, // KDDI
  4134, 4812, // China Telecom
  4837, 4808, 17621, // China Unicom
  9498, // Bharti Airtel
  12389, // Rostelecom
  4766, // Korea Telecom
  174, // Cogent
  6939, // Hurricane Electric
  6461, // Zayo
  3257, // GTT
];

function byAsn(entries: Array<[readonly number[], NetworkClass]>): ReadonlyMap<number, NetworkClass> {
  const map = new Map<number, NetworkClass>();
  for (const [asns, networkClass] of entries) for (const asn of asns) map.set(asn, networkClass);
  return map;
}

export const NETWORK_CLASS_BY_ASN: ReadonlyMap<number, NetworkClass> = byAsn([
  [ISP_ASNS, 'isp'],
  [MOBILE_ASNS, 'mobile'],
  [HOSTING_ASNS, 'hosting'],
]);

/**
 * Keyword patterns, tried in this order on the lower-cased organisation name (mobile before
 * ISP: "Vodafone Mobile Communications" is a carrier). Short words need word boundaries so
 * "isp" does not match "Dispatch".
 */
export const NETWORK_KEYWORDS: ReadonlyArray<[NetworkClass, RegExp]> = [
  ['mobile', /mobile|mobility|wireless|cellular|\b(?:gsm|lte|[345]g)\b|celular|movil|móvil/],
  ['hosting', /hosting|\bhost(?:s|ers?)?\b|cloud|data ?cent(?:er|re)|\bservers?\b|\bvps\b|colocation|\bcolo\b|dedicated|\bcdn\b|content delivery|web services|\bvpn\b/],
  ['isp', /telecom|telekom|telecommunication|telefon|telecomunica|broadband|\bcable|communications|internet service|internet provider|\bisp\b|\bfib(?:er|re)\b|\bdsl\b|\bbackbone\b/],
];
