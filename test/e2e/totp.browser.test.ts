import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { hasChromium, launchChromium } from '../support/browser.js';

const P = '/.recourse';

// CI installs Chromium at /usr/bin/chromium; without it this file is skipped, not failed.
describe.skipIf(!hasChromium)('TOTP enrolment in a real browser', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    storage = await openTestStorage();
    upstream = await startEchoUpstream();
    // The system clock: the browser's code is computed from Date.now(), as an authenticator app would.
    gw = await startTestGateway({ storage, upstream: upstream.url, policy: { access: { default: 'two_factor' } } });
    await gw.addUser({ email: 'brenda@example.com', password: 'correct horse battery', name: 'Brenda' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
    await storage?.close();
  });

  it('signs in, is sent to enrolment, scans nothing but types the key, and reaches the app', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${gw.url}/reports`);
    expect(new URL(page.url()).pathname).toBe(`${P}/login`);
    await page.fill('#email', 'brenda@example.com');
    await page.fill('#password', 'correct horse battery');
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/enroll`), page.click(`form[action="${P}/login"] button[type=submit]`)]);

    expect(await page.locator('img.qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.fill('#code', generateTotpCode(secret, Date.now()));
    // Enrolling the first factor shows a new set of backup codes once, then goes on to the app.
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/backup-codes`), page.click('#totp button[type=submit]')]);
    expect(await page.locator('body').innerText()).toMatch(/[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    await Promise.all([page.waitForURL((url) => url.pathname === '/reports'), page.click('text=I have saved my codes')]);

    expect(await page.locator('body').innerText()).toContain('hello GET /reports');
    const reached = upstream.seen.filter((r) => r.url === '/reports');
    expect(reached.map((r) => r.headers['remote-email'])).toEqual(['brenda@example.com']);
    await page.close();
  });
});
