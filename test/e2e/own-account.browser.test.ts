// A user on their own, in a real browser: a recovery code also resets a forgotten password (issue 28
// item 6: from the code page, without signing in, to a new password and back in with it and the
// second factor they kept), and the account page signs out one other browser while this one stays
// (issue 29 item 1).
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { insertRequest } from '../http/admin-support.js';
import { seedTotp } from '../http/totp-support.js';
import { TEST_SECRET } from '../support/gateway.js';
import { hasChromium, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new passphrase 42';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

async function pageAs(browser: Browser, userAgent?: string): Promise<Page> {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

describe.skipIf(!hasChromium)('a user on their own account', () => {
  let stack: BrowserStack;

  beforeAll(async () => {
    // The system clock: the code typed in the browser is computed from Date.now(), as an app would.
    stack = await startBrowserStack({ policy: { access: { default: 'two_factor' } } });
  });
  afterAll(() => stack?.close());

  it('forgot the password, kept the authenticator: from the code page to a new password, then back in with both', async () => {
    const { gw, storage } = stack;
    const userId = await gw.addUser({ email: 'pat@example.com', password: PASSWORD, name: 'Pat' });
    const secret = await seedTotp(storage, userId, gw.clock);
    // An administrator answered Pat's request with a recovery code (it reached Pat by email).
    const reference = await insertRequest(storage, gw.clock, { userId, email: 'pat@example.com', status: 'approved' });
    const [request] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
    const { code } = await storage.db.transaction((tx) => issueRecoveryCode(tx, {
      serverSecret: TEST_SECRET, userId, requestId: request!.id, issuedBy: null, now: gw.clock.now(), ttlMs: 3_600_000,
    }));

    const page = await pageAs(stack.browser);
    await page.goto(`${gw.url}${P}/login`);
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa/recovery-code`), page.click('text=Have a recovery code?')]);
    await page.fill('#email', 'pat@example.com');
    await page.fill('#code', code.toLowerCase());
    expect(await page.isChecked('#lost input[value=password]')).toBe(true);
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/password/reset`), page.click('#recovery-code button[type=submit]')]);
    expect(await page.locator('body').innerText()).toContain('pat@example.com');
    await page.fill('#password', NEW_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/login`), page.click('button:text("Set password")')]);
    expect(await page.locator('body').innerText()).toContain('Your password is set. Sign in with it now.');

    // The old password no longer works; the new one does, with the second factor Pat kept.
    await page.fill('#email', 'pat@example.com');
    await page.fill('#password', NEW_PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa`), page.click(`form[action="${P}/login"] button[type=submit]`)]);
    await page.fill('#code', generateTotpCode(secret, Date.now()));
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.click('#totp button[type=submit]')]);
    expect(await page.locator('body').innerText()).toContain('hello GET /');
    const [after] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
    expect(after!.status).toBe('completed');
    await page.context().close();
  });

  it('the account page signs out one other browser; this one stays signed in', async () => {
    const { gw, storage } = stack;
    const userId = await gw.addUser({ email: 'sam@example.com', password: PASSWORD, name: 'Sam' });
    const secret = await seedTotp(storage, userId, gw.clock);
    // The other browser signed in earlier (its session as sign-in writes it: a TOTP code is good once).
    const there = await pageAs(stack.browser, FIREFOX_LINUX);
    const earlier = await gw.running.sessions.issue(storage.db, { userId, authLevel: 2, secondFactorAt: gw.clock.now(), userAgent: FIREFOX_LINUX });
    await there.context().addCookies([{ name: gw.config.session.cookie_name, value: earlier.cookieValue, url: gw.url }]);
    await there.goto(`${gw.url}${P}/account`);
    expect(new URL(there.url()).pathname).toBe(`${P}/account`);

    const here = await pageAs(stack.browser, CHROME_WINDOWS);
    await signInThroughForm(here, `${gw.url}${P}/account`, { email: 'sam@example.com', password: PASSWORD }, `${P}/2fa`);
    await here.fill('#code', generateTotpCode(secret, Date.now()));
    await Promise.all([here.waitForURL((url) => url.pathname === `${P}/account`), here.click('#totp button[type=submit]')]);
    const other = here.locator('#sessions li', { hasText: 'Firefox 133 on Linux' });
    expect(await other.count()).toBe(1);
    expect(await here.locator('#sessions li.current').innerText()).toContain('Chrome 131 on Windows');
    await Promise.all([here.waitForLoadState(), other.locator('button:text("Sign out this browser")').click()]);
    await here.waitForURL((url) => url.pathname === `${P}/account`);
    expect(await here.locator('#sessions li', { hasText: 'Firefox 133 on Linux' }).count()).toBe(0);
    expect(await here.locator('#sessions li.current').count()).toBe(1);

    // The other browser is back at the sign-in page; this one still opens the account page.
    await there.goto(`${gw.url}${P}/account`);
    expect(new URL(there.url()).pathname).toBe(`${P}/login`);
    await here.goto(`${gw.url}${P}/account`);
    expect(new URL(here.url()).pathname).toBe(`${P}/account`);
    await here.context().close();
    await there.context().close();
  });
});
