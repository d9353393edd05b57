// Attack: cross-site request forgery. A page on https://evil.example makes the victim's browser
// post to every state-changing route of the gateway (CONTRACT §4 and the dashboard's forms and
// session-riding API calls) — with no token, with the victim's token (as if it had leaked), with
// the attacker's own token from their own browser, as text/plain or multipart so no preflight is
// needed, or with the Origin header stripped — to sign the victim out, in (login CSRF), spend
// their codes, regenerate them, or act as an administrator. SECURITY S6: every one is refused
// with 403 (a made-up bearer token on the JSON API: 401) and nothing in the database changes; a
// bearer header excuses no token outside the API; no route grants a CORS preflight; GET on those
// routes changes nothing either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';
import { seedTotp } from '../http/totp-support.js';
import { insertRequest } from '../http/admin-support.js';
import { dumpDatabase } from './db-dump.js';

const P = '/.recourse';
const EVIL = 'https://evil.example';
const PASSWORD = 'correct horse battery';
const clock = new FixedClock('2026-05-04T10:00:10Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let victimId = '';
let secret = '';
let backupCode = '';
let reference = '';
let resetToken = '';
const browsers: Record<'anonymous' | 'passwordOnly' | 'full' | 'admin', TestClient> = {} as never;
let attackerToken = '';

interface Route { path: string; fields: () => Record<string, string>; json?: boolean }
const ROUTES: Route[] = [
  { path: '/login', fields: () => ({ email: 'attacker@example.com', password: PASSWORD, rd: '/' }) },
  { path: '/logout', fields: () => ({}) },
  { path: '/2fa/totp', fields: () => ({ code: generateTotpCode(secret, clock.nowMs()), rd: '/' }) },
  { path: '/2fa/backup-code', fields: () => ({ code: backupCode, rd: '/' }) },
  { path: '/2fa/email-otp/send', fields: () => ({ rd: '/' }) },
  { path: '/2fa/email-otp', fields: () => ({ code: '123456', rd: '/' }) },
  { path: '/2fa/recovery-code', fields: () => ({ code: '2345-6789-ABCD', rd: '/' }) },
  { path: '/2fa/webauthn/options', fields: () => ({}), json: true },
  { path: '/2fa/webauthn/verify', fields: () => ({ id: 'x', rawId: 'x', type: 'public-key' }), json: true },
  { path: '/enroll/totp', fields: () => ({ code: '123456', factor: '' }) },
  { path: '/enroll/webauthn/options', fields: () => ({}), json: true },
  { path: '/enroll/webauthn/verify', fields: () => ({ id: 'x' }), json: true },
  { path: '/backup-codes/regenerate', fields: () => ({}) },
  { path: '/password/reset', fields: () => ({ token: resetToken, password: 'attacker chosen password' }) },
  { path: '/assist', fields: () => ({ email: 'victim@example.com', type: 'lost_2fa', message: 'forged' }) },
  { path: '/account/sessions/revoke-all', fields: () => ({}) },
  { path: '/account/webauthn/00000000-0000-4000-8000-000000000000/rename', fields: () => ({ name: 'pwned' }) },
  { path: '/account/webauthn/00000000-0000-4000-8000-000000000000/remove', fields: () => ({}) },
  { path: `/admin/requests/{ref}/cancel`, fields: () => ({ reason: 'Other', details: 'forged' }) },
  { path: `/admin/requests/{ref}/reset-2fa`, fields: () => ({ reason: 'Other', details: 'forged' }) },
  { path: `/admin/users/{victim}/reset-2fa`, fields: () => ({ reason: 'Other', details: 'forged' }) },
  { path: `/admin/users/{victim}/send-access-email`, fields: () => ({ reason: 'Other' }) },
  { path: `/admin/users/{victim}/permissions`, fields: () => ({ data_protection_level: '9', expert_mode: 'on' }) },
  { path: `/api/v1/recovery-requests/{ref}/cancel`, fields: () => ({ reason: 'Other' }), json: true },
  { path: `/api/v1/users/{victim}/reset-2fa`, fields: () => ({ reason: 'Other' }), json: true },
];
const pathOf = (route: Route) => `${P}${route.path.replace('{ref}', reference).replace('{victim}', victimId)}`;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({
    storage, clock,
    policy: { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } },
  });
  victimId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD, name: 'Victim', role: 'admin', dataProtectionLevel: 1 });
  await gw.addUser({ email: 'attacker@example.com', password: PASSWORD });
  await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  await gw.addUser({ email: 'root2@example.com', password: PASSWORD, role: 'super_admin' });
  secret = await seedTotp(storage, victimId, clock);
  const deps = { config: gw.config, clock, policies: gw.running.policies };
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, victimId, 'system', null));
  const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, victimId));
  if (!shown.ok) throw new Error(shown.reason);
  backupCode = shown.codes[0]!;
  reference = await insertRequest(storage, clock, { userId: victimId, email: 'victim@example.com' });
  resetToken = await storage.db.transaction((tx) => issuePasswordLink(tx, { userId: victimId, purpose: 'password_reset', ttlMs: 3_600_000, now: clock.now() }));

  browsers.anonymous = new TestClient(gw.url);
  await browsers.anonymous.page(`${P}/login`);
  browsers.passwordOnly = new TestClient(gw.url);
  expect((await browsers.passwordOnly.signIn('victim@example.com', PASSWORD)).status).toBe(303);
  await browsers.passwordOnly.page(`${P}/2fa`);
  browsers.full = new TestClient(gw.url);
  await browsers.full.signIn('victim@example.com', PASSWORD);
  await stepUpClient(gw, browsers.full);
  await browsers.full.page(`${P}/account`);
  browsers.admin = new TestClient(gw.url);
  await browsers.admin.signIn('root@example.com', PASSWORD);
  await stepUpClient(gw, browsers.admin);
  await browsers.admin.page(`${P}/admin`);
  for (const browser of Object.values(browsers)) expect(browser.csrf).not.toBe('');

  const attacker = new TestClient(gw.url);
  await attacker.page(`${P}/login`);
  attackerToken = attacker.csrf;
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

type Variant = { name: string; headers: () => Record<string, string>; token: (browser: TestClient) => string | null; body: 'form' | 'multipart' | 'text' | 'json' };
const sameOrigin = () => ({ origin: gw.url });
const VARIANTS: Variant[] = [
  { name: 'cross-site form, no token', headers: () => ({ origin: EVIL, 'sec-fetch-site': 'cross-site' }), token: () => null, body: 'form' },
  { name: 'cross-site form with the victim\'s leaked token', headers: () => ({ origin: EVIL, 'sec-fetch-site': 'cross-site' }), token: (b) => b.csrf, body: 'form' },
  { name: 'cross-site multipart with the leaked token', headers: () => ({ origin: EVIL }), token: (b) => b.csrf, body: 'multipart' },
  { name: 'cross-site text/plain (no preflight) with the leaked token', headers: () => ({ origin: EVIL }), token: (b) => b.csrf, body: 'text' },
  { name: 'Origin stripped, cross-site fetch metadata, leaked token', headers: () => ({ 'sec-fetch-site': 'cross-site' }), token: (b) => b.csrf, body: 'form' },
  { name: 'Origin "null" (sandboxed frame) with the leaked token', headers: () => ({ origin: 'null' }), token: (b) => b.csrf, body: 'form' },
  { name: 'a look-alike origin with the leaked token', headers: () => ({ origin: `${gw.url}.evil.example` }), token: (b) => b.csrf, body: 'form' },
  { name: 'Origin stripped, no token', headers: () => ({}), token: () => null, body: 'form' },
  { name: 'same origin, the attacker\'s own token', headers: sameOrigin, token: () => attackerToken, body: 'form' },
  { name: 'same origin JSON, no token', headers: sameOrigin, token: () => null, body: 'json' },
  { name: 'same origin JSON, the attacker\'s own token', headers: sameOrigin, token: () => attackerToken, body: 'json' },
  // Needs a preflight a browser would only pass if something granted CORS; the token must still be required.
  { name: 'cross-site JSON with a made-up bearer token', headers: () => ({ origin: EVIL, authorization: 'Bearer rcs_made_up' }), token: () => null, body: 'json' },
];

function forged(browser: TestClient, route: Route, variant: Variant): Promise<Response> {
  const headers: Record<string, string> = { cookie: browser.cookieHeader(), ...variant.headers() };
  const token = variant.token(browser);
  const fields: Record<string, string> = { ...route.fields(), ...(token ? { _csrf: token } : {}) };
  let body: BodyInit;
  if (variant.body === 'json') {
    headers['content-type'] = 'application/json';
    if (token) headers['x-csrf-token'] = token;
    body = JSON.stringify(route.fields());
  } else if (variant.body === 'multipart') {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    body = form;
  } else if (variant.body === 'text') {
    headers['content-type'] = 'text/plain';
    body = route.json ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields);
  }
  return fetch(`${gw.url}${pathOf(route)}`, { method: 'POST', headers, body, redirect: 'manual' });
}

describe('forged state-changing requests (SECURITY S6)', () => {
  // Hundreds of requests one after another: a slow machine needs more than the default 30 s, and
  // nothing here depends on how long each takes.
  it('every route, from every kind of victim browser, in every variant: 403, and the database is unchanged', { timeout: 180_000 }, async () => {
    const before = await dumpDatabase(storage.db);
    const accepted: string[] = [];
    for (const route of ROUTES) {
      for (const [who, browser] of Object.entries(browsers)) {
        for (const variant of VARIANTS) {
          const res = await forged(browser, route, variant);
          await res.arrayBuffer();
          // The JSON API judges a bearer call by the token alone: a made-up one is 401 there.
          const refused = res.status === 403 || (res.status === 401 && route.path.startsWith('/api/') && variant.name.includes('bearer'));
          if (!refused) accepted.push(`${res.status} ${route.path} as ${who}: ${variant.name}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(await dumpDatabase(storage.db)).toEqual(before);
    // The victims' sessions all survived.
    for (const browser of [browsers.passwordOnly, browsers.full, browsers.admin]) {
      expect((await gw.running.sessions.resolve(browser.cookies.get('recourse_session')))?.user.id).toBeDefined();
    }
  });

  // The list above is written by hand; this sweep takes every POST route the gateway registers,
  // so a route added later is refused without a token even before someone adds it to the list.
  it('every registered POST route refuses a cross-site form without a token', async () => {
    const before = await dumpDatabase(storage.db);
    const posts = [...new Set(gw.running.app.routes.filter((r) => r.method === 'POST').map((r) => r.path))];
    expect(posts.length).toBeGreaterThan(ROUTES.length);
    const accepted: string[] = [];
    for (const path of posts) {
      const concrete = path.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, (param) => (/ref/i.test(param) ? reference : victimId));
      for (const browser of [browsers.anonymous, browsers.full, browsers.admin]) {
        const res = await fetch(`${gw.url}${concrete}`, {
          method: 'POST', redirect: 'manual',
          headers: { cookie: browser.cookieHeader(), origin: EVIL, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ reason: 'Other', email: 'victim@example.com' }),
        });
        await res.arrayBuffer();
        if (res.status !== 403) accepted.push(`${res.status} ${path}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(await dumpDatabase(storage.db)).toEqual(before);
  });

  it('control: the same request from the gateway\'s own page does change things', async () => {
    const before = await dumpDatabase(storage.db);
    const res = await browsers.anonymous.postForm(`${P}/assist`, { email: 'victim@example.com', type: 'lost_2fa', message: 'real' });
    expect(res.status).toBe(200);
    expect((await dumpDatabase(storage.db)).assistance_requests).toHaveLength(before.assistance_requests.length + 1);
  });

  it('no route answers a cross-origin preflight with CORS permission', async () => {
    for (const route of ROUTES) {
      const res = await fetch(`${gw.url}${pathOf(route)}`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-csrf-token' },
        redirect: 'manual',
      });
      await res.arrayBuffer();
      expect(res.headers.get('access-control-allow-origin'), route.path).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), route.path).toBeNull();
    }
  });

  it('GET on every state-changing route changes nothing', async () => {
    // Let the mail of the control above settle first; the worker's own updates are not a GET's.
    await gw.running.delivery.poke();
    const before = await dumpDatabase(storage.db);
    for (const route of ROUTES) {
      for (const browser of Object.values(browsers)) {
        const res = await fetch(`${gw.url}${pathOf(route)}?${new URLSearchParams(route.fields())}`, {
          headers: { cookie: browser.cookieHeader() }, redirect: 'manual',
        });
        await res.arrayBuffer();
      }
    }
    expect(await dumpDatabase(storage.db)).toEqual(before);
  });
});
