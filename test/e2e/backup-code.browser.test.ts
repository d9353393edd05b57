import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { seedTotp } from '../http/totp-support.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';

// CI installs Chromium; without it this file is skipped, not failed.
describe.skipIf(!hasChromium)('a lost authenticator, and a backup code in a real browser', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let browser: Browser;
  let codes: string[];

  beforeAll(async () => {
    storage = await openTestStorage();
    upstream = await startEchoUpstream();
    // No re-enrolment rules here: this test is about the code itself reaching the app.
    gw = await startTestGateway({ storage, upstream: upstream.url, policy: { access: { default: 'two_factor' }, reenrollment: [] } });
    const userId = await gw.addUser({ email: 'lin@example.com', password: 'correct horse battery', name: 'Lin' });
    await seedTotp(storage, userId, gw.clock);
    const deps = { config: gw.config, clock: gw.clock, policies: gw.running.policies };
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
    const revealed = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
    if (!revealed.ok) throw new Error('no codes to reveal');
    codes = revealed.codes;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
    await storage?.close();
  });

  it('signs in with the password, chooses "Use a backup code", types one loosely and lands on the app', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${gw.url}/reports`);
    await page.fill('#email', 'lin@example.com');
    await page.fill('#password', 'correct horse battery');
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa`), page.click(`form[action="${P}/login"] button[type=submit]`)]);

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
