import { describe, expect, it } from 'vitest';
import { deviceName } from '../../../gateway/core/device-name.js';
import { translatorFor } from '../../../gateway/i18n/i18n.js';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('deviceName', () => {
  it('names the browser, its major version and the system', () => {
    expect(deviceName(CHROME_WINDOWS)).toBe('Chrome 131 on Windows');
    expect(deviceName(SAFARI_IPHONE)).toBe('Mobile Safari 17 on iOS');
    expect(deviceName(FIREFOX_LINUX)).toBe('Firefox 133 on Linux');
  });

  it('says what it can of a string it does not recognise', () => {
    expect(deviceName(null)).toBe('Unknown browser');
    expect(deviceName('')).toBe('Unknown browser');
    expect(deviceName('curl/8.5.0')).toBe('Unknown browser');
  });

  it('is written in the reader\'s language; product and system names stay', () => {
    const t = translatorFor('de');
    const words = (key: string, values?: Record<string, string>) => t(key, values ?? {});
    expect(deviceName('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', words)).toBe('Chrome 131 auf Windows');
    expect(deviceName(null, words)).toBe('Unbekannter Browser');
  });
});
