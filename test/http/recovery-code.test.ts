/**
 * Signing in with an admin-issued recovery code (SECURITY R1, R3): valid for the policy's ttl on the
 * injected clock (accepted at 59 min, refused at 61), bound to its user, single-use; the session it
 * gives can only enrol a new factor, and every other session of the user is revoked.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, auditLog, recoveryCodes } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, TEST_SECRET, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { insertRequest, P, PASSWORD, signedIn } from './admin-support.js';
import { enrolThroughPage, seedTotp } from './totp-support.js';

const HOUR = 3_600_000;
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};

beforeAll(async () => {
  fixture = await startProxiedTestGateway({ clock, policy: { access: { default: 'two_factor' } } });
  ({ storage, gw } = fixture);
  ids.dave = await gw.addUser({ email: 'dave@example.com', password: PASSWORD, name: 'Dave' });
  ids.erin = await gw.addUser({ email: 'erin@example.com', password: PASSWORD, name: 'Erin' });
  ids.admin = await gw.addUser({ email: 'admin@example.com', password: PASSWORD, role: 'super_admin' });
  await seedTotp(storage, ids.dave, clock);
  await seedTotp(storage, ids.erin, clock);
});
afterAll(async () => {
  await fixture?.close();
});

/** A code for `userId` issued now, for an approved request; returns the code as mailed and the request. */
async function issue(userId: string, email: string) {
  const reference = await insertRequest(storage, clock, { userId, email, status: 'approved' });
  const [request] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
  const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, {
    serverSecret: TEST_SECRET, userId, requestId: request!.id, issuedBy: ids.admin!, now: clock.now(), ttlMs: HOUR,
  }));
  return { code: issued.code, reference, requestId: request!.id };
}

async function passwordOnly(email: string): Promise<TestClient> {
  return signedIn(gw, email, { stepUp: false });
}

describe('the recovery-code form', () => {
  it('signs in with a password session; without one asks for the email too (issue 28: it resets a password); sends a full session on', async () => {
    const anon = new TestClient(gw.url);
    const res = await anon.page(`${P}/2fa/recovery-code?rd=%2Freports`);
    expect(res.res.status).toBe(200);
    expect(res.html).toContain('name="email"');
    const full = await signedIn(gw, 'erin@example.com');
    expect((await full.request(`${P}/2fa/recovery-code?rd=%2Freports`)).headers.get('location')).toBe('/reports');
    const half = await passwordOnly('erin@example.com');
    const page = await half.page(`${P}/2fa/recovery-code`);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('name="code"');
    expect(page.html).not.toContain('name="email"');
  });
});

describe('expiry on the injected clock', () => {
  it('is accepted 59 minutes after issue', async () => {
    const { code, reference, requestId } = await issue(ids.dave!, 'dave@example.com');
    clock.advance(59 * 60_000);
    const other = await signedIn(gw, 'dave@example.com');
    expect((await other.request('/reports')).status).toBe(200);
    const client = await passwordOnly('dave@example.com');
    await client.page(`${P}/2fa/recovery-code?rd=%2Freports`);
    // Dashes, spaces and case do not matter.
    const res = await client.postForm(`${P}/2fa/recovery-code`, { code: ` ${code.toLowerCase().replaceAll('-', ' ')} `, rd: '/reports' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/enroll?rd=${encodeURIComponent('/reports')}`);

    // SECURITY R3: every other session is gone; this one reaches nothing but enrolment.
    expect((await other.request('/reports')).status).toBe(302);
    const app = await client.request('/reports');
    expect(app.status).toBe(302);
    expect(app.headers.get('location')).toMatch(new RegExp(`^${P}/enroll`));
    expect((await client.request(`${P}/2fa`)).headers.get('location')).toMatch(new RegExp(`^${P}/enroll`));

    const [request] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.id, requestId));
    expect(request!.status).toBe('completed');
    const rows = await storage.db.select().from(auditLog).where(eq(auditLog.userId, ids.dave!));
    const used = rows.findIndex((row) => row.event === 'recovery_code.used');
    expect(rows.slice(used, used + 3).map((row) => row.event)).toEqual(['recovery_code.used', 'second_factor.succeeded', 'recovery_request.completed']);
    expect(rows[used]!.details).toMatchObject({ reference, sessions_revoked: 1 });
    expect(rows[used + 1]!.details).toMatchObject({ method: 'recovery_code' });
    expect(JSON.stringify(rows.slice(used))).not.toContain(code);
    // The policy's default `on: recovery_code_used` rule opened an obligation in the same transaction.
    expect(rows.slice(used).map((row) => row.event)).toContain('reenrollment.required');

    // Enrolling a new factor turns it into an ordinary session that reaches the app.
    const { res: enrolled } = await enrolThroughPage(client, clock, '/reports');
    expect(enrolled.status).toBe(303);
    expect((await client.request('/reports')).status).toBe(200);

    // Single use.
    const again = await passwordOnly('dave@example.com');
    await again.page(`${P}/2fa/recovery-code`);
    expect((await again.postForm(`${P}/2fa/recovery-code`, { code, rd: '/' })).status).toBe(401);
  });

  it('is refused 61 minutes after issue, and stays unused', async () => {
    const { code, requestId } = await issue(ids.dave!, 'dave@example.com');
    clock.advance(61 * 60_000);
    const client = await passwordOnly('dave@example.com');
    await client.page(`${P}/2fa/recovery-code`);
    const res = await client.postForm(`${P}/2fa/recovery-code`, { code, rd: '/' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('That code did not work.');
    const [row] = await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.requestId, requestId));
    expect(row!.usedAt).toBeNull();
    const [failure] = await storage.db.select().from(auditLog)
      .where(and(eq(auditLog.userId, ids.dave!), eq(auditLog.event, 'second_factor.failed'))).orderBy(auditLog.id);
    expect(failure!.details).toMatchObject({ method: 'recovery_code', reason: 'invalid' });
  });
});

describe('binding', () => {
  it('a code works only for the user it was issued to', async () => {
    const { code } = await issue(ids.dave!, 'dave@example.com');
    const erin = await passwordOnly('erin@example.com');
    await erin.page(`${P}/2fa/recovery-code`);
    expect((await erin.postForm(`${P}/2fa/recovery-code`, { code, rd: '/' })).status).toBe(401);
    const dave = await passwordOnly('dave@example.com');
    await dave.page(`${P}/2fa/recovery-code`);
    expect((await dave.postForm(`${P}/2fa/recovery-code`, { code, rd: '/' })).status).toBe(303);
  });

  it('a new code voids the older one; malformed input is refused like a wrong code', async () => {
    const first = await issue(ids.erin!, 'erin@example.com');
    const second = await issue(ids.erin!, 'erin@example.com');
    const erin = await passwordOnly('erin@example.com');
    await erin.page(`${P}/2fa/recovery-code`);
    expect((await erin.postForm(`${P}/2fa/recovery-code`, { code: first.code, rd: '/' })).status).toBe(401);
    expect((await erin.postForm(`${P}/2fa/recovery-code`, { code: 'not-a-code!', rd: '/' })).status).toBe(401);
    expect((await erin.postForm(`${P}/2fa/recovery-code`, { code: second.code, rd: '/' })).status).toBe(303);
  });
});
