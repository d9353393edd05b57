import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { seedTotp } from '../http/totp-support.js';
import { hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';

// CI installs Chromium; without it this file is skipped, not failed.
describe.skipIf(!hasChromium)('a lost authenticator, and a backup code in a real browser', () => {
  const lin = { email: 'lin@example.com', password: 'correct horse battery' };
  let stack: BrowserStack;
  let codes: string[];

  beforeAll(async () => {
    // No re-enrolment rules here: this test is about the code itself reaching the app.
    stack = await startBrowserStack({ policy: { access: { default: 'two_factor' }, reenrollment: [] } });
    const { storage, gw } = stack;
    const userId = await gw.addUser({ ...lin, name: 'Lin' });
    await seedTotp(storage, userId, gw.clock);
    const deps = { config: gw.config, clock: gw.clock, policies: gw.running.policies };
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
    const revealed = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
    if (!revealed.ok) throw new Error('no codes to reveal');
    codes = revealed.codes;
  });
  afterAll(() => stack?.close());

  it('signs in with the password, chooses "Use a backup code", types one loosely and lands on the app', async () => {
    const { gw, upstream } = stack;
    const page = await openPage(stack.browser);
    await signInThroughForm(page, `${gw.url}/reports`, lin, `${P}/2fa`);

    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa/backup-code`), page.click('text=Use a backup code')]);
    // Dashes, spaces and case are ignored.
    const loose = codes[0]!.toLowerCase().replace(/-/, ' ');
    await page.fill('input[name=code]', loose);
    await Promise.all([page.waitForURL((url) => url.pathname === '/reports'), page.click(`form[action="${P}/2fa/backup-code"] button[type=submit]`)]);

    expect(await page.locator('body').innerText()).toContain('hello GET /reports');
    expect(upstream.last()?.headers['remote-email']).toBe('lin@example.com');
    await page.close();
  });
});
