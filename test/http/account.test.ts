import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { P, seedTotp } from './totp-support.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-03T08:00:05Z');
const ids: Record<string, string> = {};
let franSecret = '';
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock, policy: { access: { default: 'one_factor' } } });
  ids.dana = await gw.addUser({ email: 'dana@example.com', password: PASSWORD, name: 'Dana Scully' });
  ids.fran = await gw.addUser({ email: 'fran@example.com', password: PASSWORD, name: 'Fran' });
  franSecret = await seedTotp(storage, ids.fran, clock);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function signedIn(email: string, userAgent: string): Promise<TestClient> {
  const client = new TestClient(gw.url, { 'user-agent': userAgent });
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  return client;
}

/** The entry of the sessions list that mentions `text`. */
function sessionRow(html: string, text: string): string | undefined {
  const list = /<ul id="sessions">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return list.split('<li').find((row) => row.includes(text));
}

describe('account page', () => {
  it('an anonymous visitor is sent to sign in', async () => {
    const res = await fetch(`${gw.url}${P}/account`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent(`${P}/account`)}`);
  });

  it('shows the user, their factors, backup codes left and every live session, this one marked', async () => {
    const laptop = await signedIn('dana@example.com', 'LaptopBrowser/1.0');
    await signedIn('dana@example.com', 'PhoneBrowser/2.0');
    clock.advance(5 * 60_000);
    const { res, html } = await laptop.page(`${P}/account`);
    expect(res.status).toBe(200);
    expect(html).toContain('Dana Scully');
    expect(html).toContain('dana@example.com');
    expect(html).toContain('Set up authenticator app');
    expect(html).toContain(`href="${P}/enroll"`);
    expect(html).toContain('0 backup codes left');
    const mine = sessionRow(html, 'LaptopBrowser/1.0');
    const other = sessionRow(html, 'PhoneBrowser/2.0');
    expect(mine).toContain('This browser');
    expect(mine).toContain('127.0.0.1');
    expect(mine).toContain('3 Mar 2026');
    expect(other).toBeDefined();
    expect(other).not.toContain('This browser');
  });

  it('sign out everywhere revokes every session of the user, another client\'s too', async () => {
    const laptop = await signedIn('dana@example.com', 'LaptopBrowser/1.0');
    const phone = await signedIn('dana@example.com', 'PhoneBrowser/2.0');
    const laptopCookie = laptop.cookieHeader();
    expect((await phone.request('/reports')).status).toBe(200);
    await laptop.page(`${P}/account`);
    const out = await laptop.postForm(`${P}/account/sessions/revoke-all`, {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${P}/login?notice=signed-out`);
    expect(laptop.cookies.has('recourse_session')).toBe(false);

    const phoneAfter = await phone.request('/reports');
    expect(phoneAfter.status).toBe(302);
    expect(phoneAfter.headers.get('location')).toContain(`${P}/login?rd=`);
    const laptopReplay = await fetch(`${gw.url}/reports`, { headers: { cookie: laptopCookie }, redirect: 'manual' });
    expect(laptopReplay.status).toBe(302);

    const [audit] = await storage.db.select().from(auditLog)
      .where(and(eq(auditLog.event, 'session.revoked'), eq(auditLog.userId, ids.dana!)));
    // Both clients of this test plus the two of the previous one.
    expect(audit?.details).toEqual({ count: 4 });
  });

  it('a password-only session of a user with a second factor must pass it before seeing the account', async () => {
    const thief = await signedIn('fran@example.com', 'ThiefBrowser/1.0');
    const owner = await signedIn('fran@example.com', 'OwnerBrowser/1.0');
    const page = await thief.request(`${P}/account`);
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/account`)}`);
    await thief.page(`${P}/login`);
    const revoke = await thief.postForm(`${P}/account/sessions/revoke-all`, {});
    expect(revoke.status).toBe(303);
    expect(revoke.headers.get('location')).toContain(`${P}/2fa`);
    expect((await owner.request('/reports')).status).toBe(200);

    await owner.page(`${P}/2fa`);
    expect((await owner.postForm(`${P}/2fa/totp`, { code: generateTotpCode(franSecret, clock.nowMs()), rd: '/' })).status).toBe(303);
    const { res, html } = await owner.page(`${P}/account`);
    expect(res.status).toBe(200);
    expect(html).toContain('Replace authenticator app');
    // The thief's sign-in never finished: no session of Fran's, but a word that the password was used.
    expect(sessionRow(html, 'ThiefBrowser/1.0')).toBeUndefined();
    expect(html).toMatch(/<div id="unfinished-sign-ins">[\s\S]*the second factor was never given/);
  });
});

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('devices by name, one session at a time (issue 29 items 1 and 6)', () => {
  it('names each browser ("Chrome 131 on Windows") with the raw string on demand', async () => {
    const ann = await gw.addUser({ email: 'ann@example.com', password: PASSWORD });
    expect(ann).toBeTruthy();
    const chrome = await signedIn('ann@example.com', CHROME_WINDOWS);
    await signedIn('ann@example.com', FIREFOX_LINUX);
    const { html } = await chrome.page(`${P}/account`);
    const mine = sessionRow(html, 'Chrome 131 on Windows')!;
    expect(mine).toContain('This browser');
    expect(mine).toContain(`<details><summary>Browser details</summary><p class="code">${CHROME_WINDOWS}</p></details>`);
    expect(sessionRow(html, 'Firefox 133 on Linux')).toBeDefined();
  });

  it('ends one other session: that browser is signed out, this one stays, audited', async () => {
    const userId = await gw.addUser({ email: 'bea@example.com', password: PASSWORD });
    const chrome = await signedIn('bea@example.com', CHROME_WINDOWS);
    const firefox = await signedIn('bea@example.com', FIREFOX_LINUX);
    const { html } = await chrome.page(`${P}/account`);
    const action = /action="([^"]+\/revoke)"/.exec(sessionRow(html, 'Firefox 133 on Linux')!)![1]!;
    expect(action).toMatch(new RegExp(`^${P}/account/sessions/[0-9a-f]{32}/revoke$`));
    const out = await chrome.postForm(action, {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`${P}/account?notice=session-ended`);
    expect((await firefox.request('/reports')).status).toBe(302);
    expect((await chrome.request('/reports')).status).toBe(200);
    const after = await chrome.page(out.headers.get('location')!);
    expect(after.html).toContain('That browser is signed out.');
    expect(sessionRow(after.html, 'Firefox 133 on Linux')).toBeUndefined();
    const [row] = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'session.revoked'), eq(auditLog.userId, userId)));
    expect(row?.details).toEqual({ count: 1, device: 'Firefox 133 on Linux', current: false });
  });

  it('a handle of another user\'s session ends nothing', async () => {
    await gw.addUser({ email: 'cy@example.com', password: PASSWORD });
    await gw.addUser({ email: 'di@example.com', password: PASSWORD });
    const cy = await signedIn('cy@example.com', CHROME_WINDOWS);
    const di = await signedIn('di@example.com', FIREFOX_LINUX);
    const { html } = await di.page(`${P}/account`);
    const action = /action="([^"]+\/revoke)"/.exec(sessionRow(html, 'Firefox 133 on Linux')!)![1]!;
    await cy.page(`${P}/account`);
    expect((await cy.postForm(action, {})).headers.get('location')).toBe(`${P}/account`);
    expect((await di.request('/reports')).status).toBe(200);
  });

  it('a recovery sign-in sees its required task at the top of the account page', async () => {
    const userId = await gw.addUser({ email: 'eli@example.com', password: PASSWORD });
    const { cookieValue } = await gw.running.sessions.issue(storage.db, { userId, authLevel: 2, restricted: true });
    const client = new TestClient(gw.url);
    client.cookies.set('recourse_session', cookieValue);
    const { res, html } = await client.page(`${P}/account`);
    expect(res.status).toBe(200);
    const task = html.indexOf('id="required-task"');
    expect(task).toBeGreaterThan(-1);
    expect(task).toBeLessThan(html.indexOf('<h2>Second factors</h2>'));
  });
});
