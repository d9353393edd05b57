// Attack (found reviewing issue 32 finding 1): someone holding a recovery session — the session a
// recovery code opens, which may only enrol a new factor (SECURITY R3) — answers a challenge with a
// backup code read off the user's printed sheet. The backup-code route's own gate let that session
// through, and the step-up made it a full session without enrolling anything. Every challenge goes
// through completeSecondFactor, which now refuses a recovery session whatever the route's gate let
// through: the code stays unspent, the session stays a recovery session, and the way on is enrolment.
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, backupCodes } from '../../db/schema/index.js';
import { seedBackupCodes } from '../support/backup-codes.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { usingPostgres } from '../support/storage.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { seedTotp } from '../http/totp-support.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const USER = { email: 'holder@example.com', password: 'correct horse battery', name: 'Holder' };
let fixture: ProxiedTestGateway;
let userId = '';
let codes: string[] = [];
let totpSecret = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({ policy: { access: { default: 'two_factor' } } });
  userId = await fixture.gw.addUser(USER);
  totpSecret = await seedTotp(fixture.storage, userId, fixture.gw.clock);
  codes = await seedBackupCodes(fixture.gw, fixture.storage, userId);
});
afterAll(async () => {
  await fixture?.close();
});

/** A client holding a fresh recovery session, with a CSRF token from the one page it may see. */
async function recoverySession(): Promise<TestClient> {
  const issued = await fixture.gw.running.sessions.issue(fixture.storage.db, { userId, authLevel: 2, restricted: true });
  const client = new TestClient(fixture.gw.url);
  client.cookies.set(COOKIE, issued.cookieValue);
  expect((await client.page(`${P}/enroll`)).res.status).toBe(200);
  return client;
}

const successes = async () =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.succeeded')))).length;

/** The app behind the gateway still sends this session to enrolment: it is no full sign-in. */
async function expectStillRestricted(client: TestClient): Promise<void> {
  const res = await client.request('/app/page');
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toContain(`${P}/enroll`);
}

describe(`a recovery session answering a challenge (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('a real backup code is refused, stays unspent, and the session stays a recovery session', async () => {
    const client = await recoverySession();
    expect((await client.request(`${P}/2fa/backup-code`)).headers.get('location')).toContain(`${P}/enroll`);
    const before = await successes();
    const res = await client.postForm(`${P}/2fa/backup-code`, { code: codes[0]!, rd: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`${P}/enroll`);
    expect(await successes()).toBe(before);
    const spent = await fixture.storage.db.select().from(backupCodes).where(and(eq(backupCodes.userId, userId), isNotNull(backupCodes.usedAt)));
    expect(spent).toHaveLength(0);
    await expectStillRestricted(client);
  });

  it('a real authenticator code is refused the same way', async () => {
    const client = await recoverySession();
    const before = await successes();
    const res = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(totpSecret, fixture.gw.clock.nowMs()), rd: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain(`${P}/enroll`);
    expect(await successes()).toBe(before);
    await expectStillRestricted(client);
  });
});
