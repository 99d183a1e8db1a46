import { parseUserAgent } from '../../core/visitors/user-agent';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1';
const SAFARI_IPAD = 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1';
const EDGE_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const TIZEN_TV = 'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36';

describe('parseUserAgent', () => {
  it('formats Chrome on macOS like Salespanel, version cut to three parts', () => {
    expect(parseUserAgent(CHROME_MAC)).toEqual({ browser: 'Chrome 120.0.6099', device: 'Desktop', device_os: 'macOS 10.15.7' });
  });

  it('recognises an iPhone as Mobile and an iPad as Tablet', () => {
    expect(parseUserAgent(SAFARI_IPHONE)).toEqual({ browser: 'Safari 17.1.2', device: 'Mobile', device_os: 'iOS 17.1.2' });
    expect(parseUserAgent(SAFARI_IPAD)).toEqual({ browser: 'Safari 16.6', device: 'Tablet', device_os: 'iOS 16.6' });
  });

  it('names Windows by its marketing version and keeps an OS without version', () => {
    expect(parseUserAgent(EDGE_WINDOWS)).toEqual({ browser: 'Microsoft Edge 120.0.2210', device: 'Desktop', device_os: 'Windows 10' });
    expect(parseUserAgent(FIREFOX_LINUX)).toEqual({ browser: 'Firefox 121.0', device: 'Desktop', device_os: 'Linux' });
  });

  it('recognises bots and TVs', () => {
    expect(parseUserAgent(GOOGLEBOT)).toEqual({ browser: 'Googlebot 2.1', device: 'Bot', device_os: null });
    expect(parseUserAgent(TIZEN_TV)?.device).toBe('TV');
  });

  it('returns null for empty input and unrecognisable strings without throwing', () => {
    expect(parseUserAgent(null)).toBeNull();
    expect(parseUserAgent(undefined)).toBeNull();
    expect(parseUserAgent('')).toBeNull();
    expect(parseUserAgent('   ')).toBeNull();
    expect(parseUserAgent('garbage \u0000 ### )(')).toBeNull();
    expect(parseUserAgent('curl/8.4.0')).toBeNull();
  });
});
