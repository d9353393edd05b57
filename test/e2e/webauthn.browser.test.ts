// A real browser enrols a passkey and signs in with it, through the gateway's own pages and
// views/static/webauthn-ui.js, with Chromium's virtual authenticator (CDP WebAuthn domain).
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { hasChromium, launchChromium } from '../support/browser.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('security keys in a browser', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let browser: Browser;
  // WebAuthn needs a secure context; http://localhost is one, http://127.0.0.1 is not an RP ID.
  let base: string;

  beforeAll(async () => {
    storage = await openTestStorage();
    upstream = await startEchoUpstream();
    const port = await freePort();
    base = `http://localhost:${port}`;
    gw = await startTestGateway({
      storage, upstream: upstream.url, policy: { access: { default: 'two_factor' } },
      config: { server: { listen: `127.0.0.1:${port}`, public_url: base } },
    });
    await gw.addUser({ email: 'grace@example.com', password: PASSWORD, name: 'Grace' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
    await storage?.close();
  });

  async function signInThroughForm(page: Page) {
    await page.goto(`${base}/reports`);
    expect(new URL(page.url()).pathname).toBe(`${P}/login`);
    await page.fill('#email', 'grace@example.com');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/login"] button[type="submit"]')]);
  }

  it('enrols a passkey, signs out, and passes the second step with it to reach the app', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    // A new user meets the two_factor rule: sign-in leads to enrolment, which leads to the app.
    await signInThroughForm(page);
    await page.waitForURL((url) => url.pathname === `${P}/enroll`);
    await page.fill('#webauthn-name', 'Laptop passkey');
    await page.click('text=Add security key or passkey');
    // The first factor comes with backup codes, shown once, then the app.
    await page.waitForURL((url) => url.pathname === `${P}/backup-codes`);
    await Promise.all([page.waitForURL(`${base}/reports`), page.click('text=I have saved my codes')]);
    expect(await page.textContent('body')).toContain('hello GET /reports');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);

    await page.goto(`${base}${P}/account`);
    expect(await page.textContent('#security-keys')).toContain('Laptop passkey');
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/login`), page.click('header button:text("Sign out")')]);
    await page.goto(`${base}/reports`);
    expect(new URL(page.url()).pathname).toBe(`${P}/login`);

    // Signing in again asks for the key, and the key alone completes it.
    await signInThroughForm(page);
    await page.waitForURL((url) => url.pathname === `${P}/2fa`);
    await page.click('text=Use your security key or passkey');
    await page.waitForURL(`${base}/reports`);
    expect(await page.textContent('body')).toContain('hello GET /reports');
    expect(upstream.last()?.headers['remote-email']).toBe('grace@example.com');
    expect(errors).toEqual([]);
    await context.close();
  });
});
