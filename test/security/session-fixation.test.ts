// Attack: session fixation. Before the victim signs in, the attacker plants a session cookie in
// the victim's browser (a sibling subdomain setting a cookie, a shared computer) — a session of
// the attacker's own, a value of their choosing, or a well-signed token for an id the gateway
// never issued — hoping the victim's sign-in or second factor upgrades the session behind a value
// the attacker knows. SECURITY S1: a new session id after every step up (password, second
// factor), the one the browser held is revoked, and ids the gateway did not issue are ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions } from '../../db/schema/index.js';
import { deriveKey, sha256Hex } from '../../gateway/security/hash.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { signSessionToken } from '../../gateway/session/token.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { P, seedTotp } from '../http/totp-support.js';

const COOKIE = 'recourse_session';
const PASSWORD = 'correct horse battery';
const clock = new FixedClock('2026-05-04T10:00:10Z');
const tokenKey = deriveKey(TEST_SECRET, 'session-token');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let victimId = '';
let secret = '';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage, upstream: upstream.url, clock,
    policy: { access: { default: 'one_factor', rules: [{ paths: ['/vault/**'], policy: 'two_factor' }] } },
  });
  victimId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD, name: 'Victim' });
  await gw.addUser({ email: 'attacker@example.com', password: PASSWORD, name: 'Attacker' });
  secret = await seedTotp(storage, victimId, clock);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** Who the upstream believes a bare cookie value belongs to, or null when it does not get through. */
async function identityOf(cookieValue: string, path = '/home'): Promise<string | null> {
  const before = upstream.seen.length;
  const res = await fetch(`${gw.url}${path}`, { headers: { cookie: `${COOKIE}=${cookieValue}` }, redirect: 'manual' });
  await res.arrayBuffer();
  if (res.status !== 200 || upstream.seen.length === before) return null;
  return String(upstream.last()!.headers['remote-email']);
}

/** The victim's browser, carrying a planted cookie, signs in with their own password. */
async function victimSignsInWith(planted: string): Promise<TestClient> {
  const browser = new TestClient(gw.url);
  browser.cookies.set(COOKIE, planted);
  await browser.page(`${P}/login`);
  const res = await browser.postForm(`${P}/login`, { email: 'victim@example.com', password: PASSWORD, rd: '/home' });
  expect(res.status).toBe(303);
  expect(res.headers.getSetCookie().some((line) => line.startsWith(`${COOKIE}=`) && !line.startsWith(`${COOKIE}=${planted};`))).toBe(true);
  return browser;
}

describe('a cookie planted before sign-in (SECURITY S1)', () => {
  it('an attacker\'s own live session: the victim gets a new id, the planted one is revoked and never the victim', async () => {
    const attacker = new TestClient(gw.url);
    await attacker.signIn('attacker@example.com', PASSWORD);
    const planted = attacker.cookies.get(COOKIE)!;
    expect(await identityOf(planted)).toBe('attacker@example.com');

    const browser = await victimSignsInWith(planted);
    const now = browser.cookies.get(COOKIE)!;
    expect(now).not.toBe(planted);
    expect(await identityOf(now)).toBe('victim@example.com');
    expect(await identityOf(planted)).toBeNull();
  });

  it('a value of the attacker\'s choosing is ignored and never becomes a session', async () => {
    for (const planted of ['attacker-chosen-session-id', 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJmaXhlZCJ9.c2ln', 'x'.repeat(5000)]) {
      const browser = await victimSignsInWith(planted);
      expect(browser.cookies.get(COOKIE)).not.toBe(planted);
      expect(await identityOf(planted)).toBeNull();
    }
  });

  it('a well-signed token for an id the gateway never issued is ignored, before and after sign-in', async () => {
    const sid = 'attacker-knows-this-sid-0123456789abcdef';
    const planted = await signSessionToken(tokenKey, sid, clock.nowMs() + 3_600_000, clock.nowMs());
    expect(await identityOf(planted)).toBeNull();
    await victimSignsInWith(planted);
    expect(await identityOf(planted)).toBeNull();
    expect(await storage.db.select().from(sessions).where(eq(sessions.idHash, sha256Hex(sid)))).toHaveLength(0);
  });

  it('a session id in the query string or an Authorization header is not a session', async () => {
    const browser = await victimSignsInWith('nothing');
    const value = browser.cookies.get(COOKIE)!;
    const attempts: Array<{ path: string; headers: Record<string, string> }> = [
      { path: `/home?${COOKIE}=${value}`, headers: {} },
      { path: '/home', headers: { authorization: `Bearer ${value}` } },
    ];
    for (const init of attempts) {
      const res = await fetch(`${gw.url}${init.path}`, { headers: init.headers, redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toContain(`${P}/login`);
    }
  });
});

describe('the second factor replaces the session (SECURITY S1)', () => {
  it('the password-only cookie an attacker fixed or copied does not ride the victim\'s step-up', async () => {
    const browser = await victimSignsInWith('nothing');
    const passwordOnly = browser.cookies.get(COOKIE)!;
    expect(await identityOf(passwordOnly, '/vault/x')).toBeNull();

    await browser.page(`${P}/2fa?rd=%2Fvault%2Fx`);
    const res = await browser.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: '/vault/x' });
    expect(res.status).toBe(303);
    const stepped = browser.cookies.get(COOKIE)!;
    expect(stepped).not.toBe(passwordOnly);
    expect(await identityOf(stepped, '/vault/x')).toBe('victim@example.com');
    // The old value is dead everywhere, not merely short of a factor.
    expect(await identityOf(passwordOnly, '/vault/x')).toBeNull();
    expect(await identityOf(passwordOnly, '/home')).toBeNull();
  });
});
