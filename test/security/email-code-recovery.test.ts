// Attack: using the mailbox as a second factor. An attacker who has the password and has taken
// over the victim's email account signs in with an emailed one-time code, hoping the mailbox now
// stands in for the authenticator they do not have — for as long as they like. SECURITY E3: email
// is a recovery channel, not a second factor: a sign-in by email code fires the `email_otp_used`
// re-enrolment rule, and under an immediate rule the session reaches nothing (proxy or
// forward-auth) until a new factor is enrolled; without such a rule nothing is opened.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { enrolThroughPage, P, seedTotp } from '../http/totp-support.js';
import { deliveredEmail } from '../support/mailbox.js';

const PASSWORD = 'correct horse battery';
const clock = new FixedClock('2026-05-04T10:00:10Z');
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let upstream: ProxiedTestGateway['upstream'];
let gw: TestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    clock,
    policy: {
      access: { default: 'two_factor' },
      factors: { email_otp: { enabled: true } },
      // Customers are left out of the rule: for them an email code is simply accepted.
      reenrollment: [{ on: 'email_otp_used', require: 'enroll_second_factor', within: 'immediate', types: ['user', 'employee'] }],
    },
  });
  ({ storage, upstream, gw } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

/** Password, then the code from the mailbox. */
async function signInWithEmailCode(email: string, rd: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD, rd)).status).toBe(303);
  await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
  expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd })).status).toBe(200);
  const mail = await deliveredEmail(gw, and(eq(outbox.recipient, email), eq(outbox.kind, 'email_otp')));
  const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
  const res = await client.postForm(`${P}/2fa/email-otp`, { code, rd });
  expect(res.status).toBe(303);
  return client;
}

async function reaches(client: TestClient): Promise<{ app: boolean; verify: number }> {
  const before = upstream.seen.length;
  const app = await client.request('/inbox');
  await app.arrayBuffer();
  const verify = await client.request(`${P}/verify`);
  await verify.arrayBuffer();
  return { app: app.status === 200 && upstream.seen.length > before, verify: verify.status };
}

describe('an email code is recovery, not a second factor (SECURITY E3)', () => {
  it('with an immediate email_otp_used rule, the session reaches nothing until a new factor is enrolled', async () => {
    const userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
    await seedTotp(storage, userId, clock);
    const rd = `${gw.url}/inbox`;
    const attacker = await signInWithEmailCode('victim@example.com', rd);

    const blocked = await attacker.request('/inbox');
    expect(blocked.status).toBe(302);
    expect(blocked.headers.get('location')).toBe(`${P}/enroll?rd=${encodeURIComponent(`${gw.url}/inbox`)}`);
    const stuck = await reaches(attacker);
    expect(stuck.app).toBe(false);
    expect(stuck.verify).not.toBe(200);
    const required = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'reenrollment.required')));
    expect(required.map((row) => row.details.trigger)).toEqual(['email_otp_used']);

    // Only proving a new factor (which the user will be told about) lets the session through.
    const { res } = await enrolThroughPage(attacker, clock, rd);
    expect(res.status).toBe(303);
    expect((await reaches(attacker)).app).toBe(true);
  });

  it('a role the rule leaves out signs in with the code and opens no obligation', async () => {
    const userId = await gw.addUser({ email: 'customer@example.com', password: PASSWORD, type: 'customer' });
    await seedTotp(storage, userId, clock);
    const client = await signInWithEmailCode('customer@example.com', `${gw.url}/inbox`);
    expect((await reaches(client)).app).toBe(true);
    const required = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'reenrollment.required')));
    expect(required).toEqual([]);
  });
});
