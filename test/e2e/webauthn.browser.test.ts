// A real browser enrols a passkey and signs in with it, through the gateway's own pages and
// views/static/webauthn-ui.js, with Chromium's virtual authenticator (CDP WebAuthn domain).
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { hasChromium, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('security keys in a browser', () => {
  const grace = { email: 'grace@example.com', password: PASSWORD };
  let stack: BrowserStack;
  // WebAuthn needs a secure context; http://localhost is one, http://127.0.0.1 is not an RP ID.
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    stack = await startBrowserStack({
      policy: { access: { default: 'two_factor' } },
      config: { server: { listen: `127.0.0.1:${port}`, public_url: base } },
    });
    await stack.gw.addUser({ ...grace, name: 'Grace' });
  });
  afterAll(() => stack?.close());

  it('enrols a passkey, signs out, and passes the second step with it to reach the app', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    // A new user meets the two_factor rule: sign-in leads to enrolment, which leads to the app.
    await signInThroughForm(page, `${base}/reports`, grace, `${P}/enroll`);
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
    await signInThroughForm(page, `${base}/reports`, grace, `${P}/2fa`);
    await page.click('text=Use your security key or passkey');
    await page.waitForURL(`${base}/reports`);
    expect(await page.textContent('body')).toContain('hello GET /reports');
    expect(stack.upstream.last()?.headers['remote-email']).toBe('grace@example.com');
    expect(errors).toEqual([]);
    await context.close();
  });
});
