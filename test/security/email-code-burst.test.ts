// Attack: an attacker with the password, whose victim's mailbox they cannot read, asks for an
// email code and guesses it in one parallel burst on the password-only session, so that every
// guess reads the account's failure count before any failure is added to it, and sends the real
// code (intercepted later, say) while the burst is in flight. SECURITY E2, L1: email codes share
// the account's second-factor limit, charged before each check, so no more than max_failures
// guesses are ever checked — here the code's own cap (max_attempts) is set above it, so only the
// account's limit stands in the way — and once the account is blocked the real code is refused
// and stays unspent.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, emailOtps } from '../../db/schema/index.js';
import { sessionWithEmailCode, startEmailCodeGateway, wrongEmailCodes } from '../support/email-code.js';
import type { ProxiedTestGateway } from '../support/gateway.js';
import { burst, VICTIM } from '../support/race.js';
import { runAddresses } from '../support/run-addresses.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const CAP = 10;
const CODE_TRIES = 20; // the policy's highest max_attempts, above CAP
const GUESSES = 200;
const FROM = { 'x-forwarded-for': runAddresses()(1) };
let fixture: ProxiedTestGateway;
let userId = '';

beforeAll(async () => {
  ({ fixture, userId } = await startEmailCodeGateway({ max_attempts: CODE_TRIES, rate_limits: { second_factor: { max_failures: CAP } } }));
});
afterAll(async () => {
  await fixture?.close();
});

const events = async (event: string) =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;

describe(`${GUESSES} parallel email-code guesses and the real code on one session (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`checks at most max_failures (${CAP}) of them, then refuses the real code and leaves it unspent`, async () => {
    const { client, code } = await sessionWithEmailCode(fixture.gw, VICTIM, FROM);
    const wrong = wrongEmailCodes(GUESSES, code);
    const { answers, then } = await burst(
      GUESSES,
      (i) => client.postForm(`${P}/2fa/email-otp`, { code: wrong[i]!, rd: '/' }, FROM),
      () => client.postForm(`${P}/2fa/email-otp`, { code, rd: '/' }, FROM),
    );

    expect(await events('second_factor.failed')).toBe(CAP);
    expect(await events('email_otp.used')).toBe(0);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(CAP - 1);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(GUESSES - CAP + 1);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    // The code itself counted only the guesses that were checked, and was never used.
    const [row] = await fixture.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, userId));
    expect(row!.attempts).toBe(CAP);
    expect(row!.usedAt).toBeNull();
    expect((await fixture.gw.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel).toBe(1);
  });
});
