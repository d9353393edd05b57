/**
 * Re-enrolment obligations enforced through the real server: an immediate obligation keeps every
 * proxied request and P/verify on the enrolment page, a deadline one interrupts page loads only
 * until postponed or due, and doing what is asked lets the user through again.
 */
import http from 'node:http';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { openObligations } from '../../gateway/recovery/reenrollment.js';
import { TestClient } from '../support/client.js';
import { GEOIP_ASN_DB, GEOIP_CITY_DB } from '../support/geoip.js';
import { FixedClock, startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { VirtualAuthenticator } from '../support/virtual-authenticator.js';
import { enrolThroughPage, P, seedTotp } from './totp-support.js';
import { deliveredEmail } from '../support/mailbox.js';

const PASSWORD = 'correct horse battery';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const JSON_ACCEPT = { accept: 'application/json' };
const MINUTE = 60_000;
// Each user type meets a different rule, so one gateway covers every case.
const POLICY = {
  access: { default: 'two_factor' },
  factors: { backup_codes: { count: 4, low_threshold: 3 }, email_otp: { enabled: true } },
  reenrollment: [
    { on: 'email_otp_used', require: 'enroll_second_factor', within: 'immediate', roles: ['owner'] },
    { on: 'backup_code_used', require: 'enroll_second_factor', within: 'immediate', types: ['employee'] },
    { on: 'backup_code_used', require: 'enroll_second_factor', within: '1h', types: ['user'] },
    { on: 'backup_codes_low', require: 'regenerate_backup_codes', within: 'immediate', types: ['customer'] },
    { on: 'new_location', require: 'regenerate_backup_codes', within: '7d' },
  ],
};

const clock = new FixedClock('2026-03-01T09:00:00Z');
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let upstream: ProxiedTestGateway['upstream'];
let gw: TestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    clock, policy: POLICY,
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, geoip: { city_db: GEOIP_CITY_DB, asn_db: GEOIP_ASN_DB } },
  });
  ({ storage, upstream, gw } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

/** A user with a confirmed authenticator app and a set of backup codes; returns the codes. */
async function userWithFactors(email: string, type: 'user' | 'employee' | 'customer') {
  const userId = await gw.addUser({ email, password: PASSWORD, type });
  await seedTotp(storage, userId, clock);
  const deps = { config: gw.config, clock, policies: gw.running.policies };
  const codes = await storage.db.transaction(async (tx) => {
    expect((await generateBackupCodeSet(tx, deps, userId, 'system', null)).ok).toBe(true);
    const shown = await revealBackupCodes(tx, deps, userId);
    if (!shown.ok) throw new Error('no codes');
    return shown.codes;
  });
  return { userId, codes };
}

/** Password, then a backup code instead of the authenticator app, as on the challenge page. */
async function signInWithBackupCode(email: string, code: string, rd: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD, rd)).status).toBe(303);
  await client.page(`${P}/2fa/backup-code?rd=${encodeURIComponent(rd)}`);
  const res = await client.postForm(`${P}/2fa/backup-code`, { code, rd });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe(rd);
  return client;
}

/**
 * A browser's top-level navigation. Node's fetch always sends `Sec-Fetch-Mode: cors` (what a
 * script's request looks like), so page loads go through node:http with a browser's headers.
 */
function navigate(client: TestClient, path: string, headers: Record<string, string> = {}): Promise<{ status: number; location: string | null }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${gw.url}${path}`, {
      headers: { cookie: client.cookieHeader(), ...HTML, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', ...headers },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null }));
    });
    request.on('error', reject);
    request.end();
  });
}

const detour = (page: string, rd: string) => `${P}/${page}?rd=${encodeURIComponent(rd)}`;
const traefik = (uri: string) => ({ 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'app.example', 'x-forwarded-uri': uri });
const auditEvents = async (userId: string) =>
  (await storage.db.select({ event: auditLog.event, details: auditLog.details }).from(auditLog).where(eq(auditLog.userId, userId)).orderBy(auditLog.id))
    .filter((row) => row.event.startsWith('reenrollment.'));

describe('an immediate obligation (backup code used → new second factor at once)', () => {
  it('keeps every request on the enrolment page until a new factor is enrolled', async () => {
    const { userId, codes } = await userWithFactors('erin@example.com', 'employee');
    const rd = `${gw.url}/reports`;
    const client = await signInWithBackupCode('erin@example.com', codes[0]!, rd);
    const seenBefore = upstream.seen.length;

    for (const headers of [HTML, JSON_ACCEPT, { 'x-requested-with': 'XMLHttpRequest' }]) {
      const res = await client.request('/reports', { headers });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(detour('enroll', rd));
    }
    const post = await client.request('/reports', { method: 'POST', body: 'x=1' });
    expect(post.headers.get('location')).toBe(detour('enroll', rd));
    const verify = await client.request(`${P}/verify`, { headers: traefik('/wiki') });
    expect(verify.status).toBe(302);
    expect(verify.headers.get('location')).toBe(`${gw.url}${detour('enroll', 'http://app.example/wiki')}`);
    const nginx = await client.request(`${P}/verify`, { headers: { 'x-original-url': 'http://app.example/wiki', 'x-original-method': 'GET' } });
    expect(nginx.status).toBe(401);
    expect(nginx.headers.get('location')).toBe(`${gw.url}${detour('enroll', 'http://app.example/wiki')}`);
    expect(upstream.seen.length).toBe(seenBefore);

    // The account page says why.
    const { html: account } = await client.page(`${P}/account`);
    expect(account).toContain('data-requirement="enroll_second_factor"');
    expect(account).toContain('Required now');
    expect(account).toContain('you signed in with a backup code');

    const { res: enrolled } = await enrolThroughPage(client, clock, rd);
    expect(enrolled.status).toBe(303);
    expect(enrolled.headers.get('location')).toBe(rd);
    const reached = await client.request('/reports', { headers: HTML });
    expect(reached.status).toBe(200);
    expect(upstream.last()?.headers['remote-email']).toBe('erin@example.com');
    expect((await client.request(`${P}/verify`, { headers: traefik('/wiki') })).status).toBe(200);
    expect(await openObligations(storage.db, userId)).toEqual([]);
    expect((await auditEvents(userId)).map((row) => [row.event, row.details.requirement, row.details.trigger])).toEqual([
      ['reenrollment.required', 'enroll_second_factor', 'backup_code_used'],
      ['reenrollment.completed', 'enroll_second_factor', 'backup_code_used'],
    ]);
    const { html: after } = await client.page(`${P}/account`);
    expect(after).not.toContain('id="obligations"');
  });
});

describe('a security key meets enroll_second_factor too', () => {
  it('enrolling a WebAuthn key closes the obligation and the app is reached', async () => {
    const { userId, codes } = await userWithFactors('ella@example.com', 'employee');
    const rd = `${gw.url}/reports`;
    const client = await signInWithBackupCode('ella@example.com', codes[0]!, rd);
    expect((await client.request('/reports')).headers.get('location')).toBe(detour('enroll', rd));

    await client.page(detour('enroll', rd));
    const options = await client.postJson(`${P}/enroll/webauthn/options`, {});
    expect(options.status).toBe(200);
    const response = new VirtualAuthenticator(gw.url).register(await options.json());
    const verified = await client.postJson(`${P}/enroll/webauthn/verify`, { response, name: 'Spare key', rd });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({ ok: true, redirect: rd });
    expect((await client.request('/reports')).status).toBe(200);
    expect((await auditEvents(userId)).map((row) => [row.event, row.details.via ?? null])).toEqual([
      ['reenrollment.required', null],
      ['reenrollment.completed', 'webauthn.enrolled'],
    ]);
  });
});

describe('email_otp_used (SECURITY E3)', () => {
  it('a sign-in by email code opens the obligation for the roles the rule names', async () => {
    const userId = await gw.addUser({ email: 'olga@example.com', password: PASSWORD, role: 'owner' });
    const rd = `${gw.url}/reports`;
    const client = new TestClient(gw.url);
    expect((await client.signIn('olga@example.com', PASSWORD, rd)).status).toBe(303);
    await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
    expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd })).status).toBe(200);
    const mail = await deliveredEmail(gw, eq(outbox.recipient, 'olga@example.com'));
    const code = /code is:\s+(\d{6})\s/.exec(mail.text)?.[1] ?? '';
    const signedIn = await client.postForm(`${P}/2fa/email-otp`, { code, rd });
    expect(signedIn.status).toBe(303);
    expect((await client.request('/reports')).headers.get('location')).toBe(detour('enroll', rd));
    expect((await openObligations(storage.db, userId)).map((o) => [o.trigger, o.dueAt])).toEqual([['email_otp_used', null]]);
  });
});

describe('an obligation with a deadline (backup code used → new second factor within 1h)', () => {
  it('interrupts page loads only, until postponed; blocks at the deadline; enrolling ends it', async () => {
    const { userId, codes } = await userWithFactors('uma@example.com', 'user');
    const rd = `${gw.url}/reports`;
    const client = await signInWithBackupCode('uma@example.com', codes[0]!, rd);

    expect(await navigate(client, '/reports')).toEqual({ status: 302, location: detour('reenroll', rd) });
    // Scripts, JSON, assets and forms are never sent to a page they cannot show.
    expect((await client.request('/api/data', { headers: JSON_ACCEPT })).status).toBe(200);
    expect((await client.request('/reports', { headers: HTML })).status).toBe(200); // fetch(): Sec-Fetch-Mode cors
    expect((await navigate(client, '/reports', { 'x-requested-with': 'XMLHttpRequest' })).status).toBe(200);
    expect((await navigate(client, '/reports', { 'sec-fetch-dest': 'iframe' })).status).toBe(200);
    expect((await navigate(client, '/app.js', { accept: '*/*', 'sec-fetch-dest': 'script', 'sec-fetch-mode': 'no-cors' })).status).toBe(200);
    expect((await client.request('/reports', { method: 'POST', headers: HTML, body: 'x=1' })).status).toBe(200);
    expect((await navigate(client, `${P}/verify`, { ...traefik('/wiki'), ...JSON_ACCEPT })).status).toBe(200);
    expect(await navigate(client, `${P}/verify`, traefik('/wiki'))).toEqual({
      status: 302, location: `${gw.url}${detour('reenroll', 'http://app.example/wiki')}`,
    });

    const { res: interstitial, html } = await client.page(detour('reenroll', rd), HTML);
    expect(interstitial.status).toBe(200);
    expect(html).toContain(`href="${detour('enroll', rd)}"`);
    expect(html).toContain('Remind me later');
    const later = await client.postForm(`${P}/reenroll/snooze`, { rd });
    expect(later.status).toBe(303);
    expect(later.headers.get('location')).toBe(rd);
    expect((await navigate(client, '/reports')).status).toBe(200);

    // The snooze ends at the deadline (an hour, not a day): then it blocks everything.
    clock.advance(25 * MINUTE);
    expect((await navigate(client, '/reports')).status).toBe(200);
    clock.advance(25 * MINUTE);
    expect((await navigate(client, '/reports')).status).toBe(200);
    clock.advance(10 * MINUTE);
    const due = await client.request('/api/data', { headers: JSON_ACCEPT });
    expect(due.status).toBe(302);
    expect(due.headers.get('location')).toBe(detour('enroll', `${gw.url}/api/data`));
    const { html: overdue } = await client.page(detour('reenroll', rd), HTML);
    expect(overdue).not.toContain('Remind me later');

    // The enrolment page is the one way on; the backup code is an hour old by now, so it asks for a
    // second factor again first (a stale session must not replace the authenticator, finding 10).
    const enrol = await navigate(client, detour('enroll', rd));
    expect(enrol.status).toBe(302);
    expect(enrol.location).toBe(`${P}/2fa?rd=${encodeURIComponent(detour('enroll', rd))}&stepup=1`);
    await client.page(`${P}/2fa/backup-code?rd=${encodeURIComponent(detour('enroll', rd))}`);
    expect((await client.postForm(`${P}/2fa/backup-code`, { code: codes[1]!, rd: detour('enroll', rd) })).status).toBe(303);
    expect((await enrolThroughPage(client, clock, rd)).res.status).toBe(303);
    expect((await navigate(client, '/reports')).status).toBe(200);
    expect(await openObligations(storage.db, userId)).toEqual([]);
  });
});

describe('regenerate_backup_codes (codes low → new set at once)', () => {
  it('sends the user to the re-enrolment page, which cannot be postponed, until a new set is generated', async () => {
    const { userId, codes } = await userWithFactors('cora@example.com', 'customer');
    const rd = `${gw.url}/reports`;
    const client = await signInWithBackupCode('cora@example.com', codes[0]!, rd);
    const blocked = await client.request('/reports', { headers: JSON_ACCEPT });
    expect(blocked.status).toBe(302);
    expect(blocked.headers.get('location')).toBe(detour('reenroll', rd));

    const { html } = await client.page(detour('reenroll', rd), HTML);
    expect(html).toContain(`action="${P}/backup-codes/regenerate"`);
    expect(html).not.toContain('Remind me later');
    await client.postForm(`${P}/reenroll/snooze`, { rd });
    expect((await client.request('/reports', { headers: HTML })).status).toBe(302);

    const regenerated = await client.postForm(`${P}/backup-codes/regenerate`, {});
    expect(regenerated.status).toBe(303);
    expect((await client.request('/reports', { headers: HTML })).status).toBe(200);
    expect((await auditEvents(userId)).map((row) => [row.event, row.details.requirement, row.details.via ?? null])).toEqual([
      ['reenrollment.required', 'regenerate_backup_codes', null],
      ['reenrollment.completed', 'regenerate_backup_codes', 'backup_codes.generated'],
    ]);
  });
});

describe('new_location', () => {
  async function signInFrom(email: string, ip: string): Promise<void> {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    const res = await client.postForm(`${P}/login`, { email, password: PASSWORD, rd: '/' }, { 'x-forwarded-for': ip });
    expect(res.status).toBe(303);
  }

  it('opens an obligation for a sign-in from a country and network never seen, not for the first or a known one', async () => {
    const userId = await gw.addUser({ email: 'nell@example.com', password: PASSWORD });
    await signInFrom('nell@example.com', '89.160.20.112'); // SE, AS29518: the first ever
    await signInFrom('nell@example.com', '89.160.20.128'); // the same country and network
    expect(await openObligations(storage.db, userId)).toEqual([]);
    await signInFrom('nell@example.com', '216.160.83.56'); // US, AS209
    const open = await openObligations(storage.db, userId);
    expect(open.map((o) => [o.trigger, o.requirement])).toEqual([['new_location', 'regenerate_backup_codes']]);
    const [required] = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'reenrollment.required')));
    expect(required?.details).toMatchObject({ because: ['country', 'network'], country: 'US', asn: 209 });
    expect(required?.ip).toBe('216.160.83.56');

    const first = await gw.addUser({ email: 'otto@example.com', password: PASSWORD });
    await signInFrom('otto@example.com', '216.160.83.56');
    expect(await openObligations(storage.db, first)).toEqual([]);
  });
});
