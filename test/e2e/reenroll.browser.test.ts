import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { seedTotp } from '../http/totp-support.js';
import { enrolTotpInBrowser, hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';
const POLICY = {
  access: { default: 'two_factor' },
  reenrollment: [{ on: 'backup_code_used', require: 'enroll_second_factor', within: 'immediate' }],
};

// CI installs Chromium at /usr/bin/chromium; without it this file is skipped, not failed.
describe.skipIf(!hasChromium)('re-enrolment after a backup-code sign-in, in a real browser', () => {
  const bea = { email: 'bea@example.com', password: 'correct horse battery' };
  let stack: BrowserStack;
  let code: string;

  beforeAll(async () => {
    // The system clock: the browser's code is computed from Date.now(), as an authenticator app would.
    stack = await startBrowserStack({ policy: POLICY });
    const { storage, gw } = stack;
    const userId = await gw.addUser({ ...bea, name: 'Bea' });
    await seedTotp(storage, userId, systemClock);
    const deps = { config: gw.config, clock: systemClock, policies: gw.running.policies };
    code = await storage.db.transaction(async (tx) => {
      expect((await generateBackupCodeSet(tx, deps, userId, 'system', null)).ok).toBe(true);
      const shown = await revealBackupCodes(tx, deps, userId);
      if (!shown.ok) throw new Error('no backup codes');
      return shown.codes[0]!;
    });
  });
  afterAll(() => stack?.close());

  it('lands on enrolment instead of the app, and reaches the app once a new authenticator is set up', async () => {
    const { gw, upstream } = stack;
    const page = await openPage(stack.browser);
    await signInThroughForm(page, `${gw.url}/reports`, bea, `${P}/2fa`);

    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa/backup-code`), page.click('text=Use a backup code')]);
    await page.fill('#code', code.toLowerCase().replace('-', ' '));
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/enroll`), page.click(`form[action="${P}/2fa/backup-code"] button[type=submit]`)]);
    expect(new URL(page.url()).searchParams.get('rd')).toBe(`${gw.url}/reports`);
    expect(upstream.seen.filter((r) => r.url === '/reports')).toEqual([]);

    // Going to the app by hand does not get past it either.
    await page.goto(`${gw.url}/reports`);
    expect(new URL(page.url()).pathname).toBe(`${P}/enroll`);

    await enrolTotpInBrowser(page, '/reports');
    expect(await page.locator('body').innerText()).toContain('hello GET /reports');
    expect(upstream.seen.filter((r) => r.url === '/reports').map((r) => r.headers['remote-email'])).toEqual(['bea@example.com']);

    // The account page no longer asks for anything.
    await page.goto(`${gw.url}${P}/account`);
    expect(await page.locator('#obligations').count()).toBe(0);
    await page.close();
  });
});
