import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolTotpInBrowser, hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';

// CI installs Chromium at /usr/bin/chromium; without it this file is skipped, not failed.
describe.skipIf(!hasChromium)('TOTP enrolment in a real browser', () => {
  const brenda = { email: 'brenda@example.com', password: 'correct horse battery' };
  let stack: BrowserStack;

  beforeAll(async () => {
    // The system clock: the browser's code is computed from Date.now(), as an authenticator app would.
    stack = await startBrowserStack({ policy: { access: { default: 'two_factor' } } });
    await stack.gw.addUser({ ...brenda, name: 'Brenda' });
  });
  afterAll(() => stack?.close());

  it('signs in, is sent to enrolment, scans nothing but types the key, and reaches the app', async () => {
    const { gw, upstream } = stack;
    const page = await openPage(stack.browser);
    await signInThroughForm(page, `${gw.url}/reports`, brenda, `${P}/enroll`);

    expect(await page.locator('img.qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    // Enrolling the first factor shows a new set of backup codes once, then goes on to the app.
    const secret = await enrolTotpInBrowser(page, `${P}/backup-codes`);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.locator('body').innerText()).toMatch(/[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    await Promise.all([page.waitForURL((url) => url.pathname === '/reports'), page.click('text=I have saved my codes')]);

    expect(await page.locator('body').innerText()).toContain('hello GET /reports');
    const reached = upstream.seen.filter((r) => r.url === '/reports');
    expect(reached.map((r) => r.headers['remote-email'])).toEqual(['brenda@example.com']);
    await page.close();
  });
});
