import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, sessions, totpFactors } from '../../db/schema/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { enrolThroughPage, P, secretOnPage, seedTotp, STEP_MS, wrongCode } from './totp-support.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:10Z');
const ids: Record<string, string> = {};
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock, policy: { access: { default: 'two_factor' } } });
  for (const name of ['alice', 'carol', 'dave', 'erin']) ids[name] = await gw.addUser({ email: `${name}@example.com`, password: PASSWORD, name });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function signedIn(name: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  const res = await client.signIn(`${name}@example.com`, PASSWORD);
  expect(res.status).toBe(303);
  return client;
}

/** A fresh password-only session submitting `code` on the challenge page. */
async function challengeWith(name: string, code: string): Promise<Response> {
  const client = await signedIn(name);
  const { res } = await client.page(`${P}/2fa?rd=%2Fafter`);
  expect(res.status).toBe(200);
  return client.postForm(`${P}/2fa/totp`, { code, rd: '/after' });
}

const factorsOf = (userId: string) => storage.db.select().from(totpFactors).where(eq(totpFactors.userId, userId));

describe('TOTP enrolment and sign-in', () => {
  let aliceSecret = '';

  it('shows a QR code, the secret as text and an otpauth:// link; the stored secret is sealed', async () => {
    const client = await signedIn('alice');
    const { res, html } = await client.page(`${P}/enroll`);
    expect(res.status).toBe(200);
    const secret = secretOnPage(html);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits (SECURITY T3)
    const qr = /<img class="qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)?.[1];
    expect(Buffer.from(qr ?? '', 'base64').toString()).toContain('<svg');
    expect(html).toContain(`href="otpauth://totp/Recourse:alice%40example.com?secret=${secret}&amp;issuer=Recourse"`);
    expect(html).toMatch(/action="\/\.recourse\/enroll\/totp"/);
    const rows = await factorsOf(ids.alice!);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.confirmedAt).toBeNull();
    expect(rows[0]!.secretSealed).not.toContain(secret);
  });

  it('a reload keeps the secret; another session of the user can neither see nor confirm it', async () => {
    const mine = await signedIn('erin');
    const first = secretOnPage((await mine.page(`${P}/enroll`)).html);
    const { html } = await mine.page(`${P}/enroll`);
    expect(secretOnPage(html)).toBe(first);
    const factor = /name="factor" value="([^"]+)"/.exec(html)![1]!;

    const other = await signedIn('erin');
    await other.page(`${P}/login`);
    const stolen = await other.postForm(`${P}/enroll/totp`, { code: generateTotpCode(first, clock.nowMs()), factor });
    expect(stolen.status).toBe(400);
    expect(secretOnPage(await stolen.text())).not.toBe(first);
    expect((await factorsOf(ids.erin!)).every((row) => row.confirmedAt === null)).toBe(true);
  });

  it('refuses a wrong code, keeps the secret and enrols nothing', async () => {
    const client = await signedIn('alice');
    const { html } = await client.page(`${P}/enroll`);
    const secret = secretOnPage(html);
    const factor = /name="factor" value="([^"]+)"/.exec(html)![1]!;
    const res = await client.postForm(`${P}/enroll/totp`, { code: wrongCode(secret, clock.nowMs()), factor });
    expect(res.status).toBe(400);
    const again = await res.text();
    expect(again).toContain('That code is not valid');
    expect(secretOnPage(again)).toBe(secret);
    expect((await factorsOf(ids.alice!)).every((row) => row.confirmedAt === null)).toBe(true);
  });

  it('a correct code enrols and steps the session up: a new cookie, the old one refused upstream', async () => {
    const client = await signedIn('alice');
    const before = client.cookies.get('recourse_session')!;
    const blocked = await client.request('/reports');
    expect(blocked.status).toBe(302);
    expect(blocked.headers.get('location')).toContain(`${P}/2fa?rd=`);
    const seenBefore = upstream.seen.length;

    const { secret, res } = await enrolThroughPage(client, clock, `${gw.url}/reports`);
    aliceSecret = secret;
    expect(res.status).toBe(303);
    // The first factor comes with a set of backup codes, shown once before going on to rd.
    expect(res.headers.get('location')).toBe(`/.recourse/backup-codes?rd=${encodeURIComponent(`${gw.url}/reports`)}`);
    const codesPage = await client.page('/.recourse/backup-codes');
    expect(codesPage.html.match(/\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/g)?.length).toBe(10);
    const after = client.cookies.get('recourse_session');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    expect((await client.request('/reports')).status).toBe(200);
    expect(upstream.seen.length).toBe(seenBefore + 1);
    const replayed = await fetch(`${gw.url}/reports`, { headers: { cookie: `recourse_session=${before}` }, redirect: 'manual' });
    expect(replayed.status).toBe(302);
    expect(replayed.headers.get('location')).toContain(`${P}/login?rd=`);
    expect(upstream.seen.length).toBe(seenBefore + 1);

    const rows = await factorsOf(ids.alice!);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.confirmedAt).not.toBeNull();
    const audited = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'totp.enrolled'), eq(auditLog.userId, ids.alice!)));
    expect(audited).toHaveLength(1);
  });

  it('refuses the code used for enrolment again in a fresh sign-in, then accepts the next one', async () => {
    const replay = await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs()));
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('That code is not valid. Codes change every 30 seconds.');
    clock.advance(STEP_MS);
    const next = await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs()));
    expect(next.status).toBe(303);
    expect(next.headers.get('location')).toBe('/after');
    // The stepped-up session remembers how, for the identity assertion's amr (RFC 8176 `otp`).
    const live = await storage.db.select().from(sessions).where(and(eq(sessions.userId, ids.alice!), eq(sessions.authLevel, 2), isNull(sessions.revokedAt)));
    expect(live.map((row) => row.secondFactorAmr)).toContain('otp');
  });

  it('accepts one step of drift either way and refuses two (SECURITY T1)', async () => {
    clock.advance(10 * STEP_MS);
    expect((await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs() - STEP_MS))).status).toBe(303);
    clock.advance(10 * STEP_MS);
    expect((await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs() + STEP_MS))).status).toBe(303);
    clock.advance(10 * STEP_MS);
    expect((await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs() - 2 * STEP_MS))).status).toBe(401);
    expect((await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs() + 2 * STEP_MS))).status).toBe(401);
    expect((await challengeWith('alice', generateTotpCode(aliceSecret, clock.nowMs()))).status).toBe(303);
  });

  it('a password-only session cannot add an authenticator to an account that has one', async () => {
    const thief = await signedIn('alice');
    const open = await thief.request(`${P}/enroll`);
    expect(open.status).toBe(302);
    expect(open.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/enroll`)}`);
    const rowsBefore = await factorsOf(ids.alice!);
    await thief.page(`${P}/login`);
    const post = await thief.postForm(`${P}/enroll/totp`, { code: '123456', factor: rowsBefore[0]!.id });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toContain(`${P}/2fa?rd=`);
    expect(await factorsOf(ids.alice!)).toEqual(rowsBefore);

    // After the second factor, the same user may replace the app; the new one supersedes the old.
    clock.advance(STEP_MS);
    const { res } = await thief.page(`${P}/2fa`);
    expect(res.status).toBe(200);
    expect((await thief.postForm(`${P}/2fa/totp`, { code: generateTotpCode(aliceSecret, clock.nowMs()), rd: '/' })).status).toBe(303);
    const replaced = await enrolThroughPage(thief, clock);
    expect(replaced.res.status).toBe(303);
    expect(replaced.res.headers.get('location')).toBe(`${P}/account?notice=totp-enrolled`);
    const rows = await factorsOf(ids.alice!);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(rowsBefore[0]!.id);
  });

  it('a restricted recovery session may enrol and then becomes an ordinary two-factor session', async () => {
    const issued = await gw.running.sessions.issue(storage.db, { userId: ids.dave!, authLevel: 2, restricted: true });
    const client = new TestClient(gw.url);
    client.cookies.set('recourse_session', issued.cookieValue);
    const app = await client.request('/reports');
    expect(app.status).toBe(302);
    expect(app.headers.get('location')).toContain(`${P}/enroll?rd=`);
    const challenge = await client.request(`${P}/2fa`);
    expect(challenge.headers.get('location')).toContain(`${P}/enroll`);
    const { res } = await enrolThroughPage(client, clock, `${gw.url}/reports`);
    expect(res.status).toBe(303);
    expect(client.cookies.get('recourse_session')).not.toBe(issued.cookieValue);
    expect((await client.request('/reports')).status).toBe(200);
  });

  it('one valid code sent by 20 password-only sessions at once passes exactly once (SECURITY T2)', async () => {
    const secret = await seedTotp(storage, ids.carol!, clock);
    const clients = await Promise.all(Array.from({ length: 20 }, () => signedIn('carol')));
    await Promise.all(clients.map((client) => client.page(`${P}/2fa`)));
    const code = generateTotpCode(secret, clock.nowMs());
    const answers = await Promise.all(clients.map((client) => client.postForm(`${P}/2fa/totp`, { code, rd: '/' })));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    const passed = await storage.db.select().from(auditLog)
      .where(and(eq(auditLog.event, 'second_factor.succeeded'), eq(auditLog.userId, ids.carol!)));
    expect(passed).toHaveLength(1);
  });
});
