// Attack: an attacker with the password asks for one email code and fires fifty guesses at it at
// once, hoping that each reads the code's try count before any wrong try is added to it, so that
// the code stays live past its cap, and sends the real code (intercepted later) behind them.
// SECURITY E2: a code is void after max_attempts wrong tries, counted with one atomic statement
// (`countWrongEmailOtp`), so exactly max_attempts guesses count against it, and once it is void
// the real code is refused too. The account's own limit is set well above the burst here, so only
// the code's cap stands in the way.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, emailOtps } from '../../db/schema/index.js';
import { sessionWithEmailCode, startEmailCodeGateway, wrongEmailCodes } from '../support/email-code.js';
import type { ProxiedTestGateway } from '../support/gateway.js';
import { VICTIM } from '../support/race.js';
import { runAddresses } from '../support/run-addresses.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const CODE_TRIES = 5; // SECURITY E2, the policy's default max_attempts
const GUESSES = 50;
const FROM = { 'x-forwarded-for': runAddresses()(1) };
let fixture: ProxiedTestGateway;
let userId = '';

beforeAll(async () => {
  ({ fixture, userId } = await startEmailCodeGateway({ max_attempts: CODE_TRIES, rate_limits: { second_factor: { max_failures: 1_000 } } }));
});
afterAll(async () => {
  await fixture?.close();
});

const failures = async () =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.failed'))))
    .map((row) => String(row.details.reason));

describe(`${GUESSES} parallel guesses at one email code (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`counts exactly max_attempts (${CODE_TRIES}) wrong tries on the code, voids it, then refuses the real code`, async () => {
    const { client, code } = await sessionWithEmailCode(fixture.gw, VICTIM, FROM);
    const wrong = wrongEmailCodes(GUESSES, code);
    const answers = await Promise.all(wrong.map(async (guess) => {
      const res = await client.postForm(`${P}/2fa/email-otp`, { code: guess, rd: '/' }, FROM);
      await res.arrayBuffer();
      return res.status;
    }));
    expect(answers.every((status) => status === 401)).toBe(true);

    const [row] = await fixture.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, userId));
    expect(row!.attempts).toBe(CODE_TRIES);
    expect(row!.voidedAt).not.toBeNull();
    // Of the guesses, exactly max_attempts were compared with the code; the rest found it void.
    const reasons = await failures();
    expect(reasons).toHaveLength(GUESSES);
    expect(reasons.filter((reason) => reason === 'invalid' || reason === 'invalid_now_void')).toHaveLength(CODE_TRIES);
    expect(reasons.filter((reason) => reason === 'invalid_now_void')).toHaveLength(1);

    const right = await client.postForm(`${P}/2fa/email-otp`, { code, rd: '/' }, FROM);
    expect(right.status).toBe(401);
    expect((await fixture.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, userId)))[0]!.usedAt).toBeNull();
    expect((await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'email_otp.used'))))).toHaveLength(0);
    expect((await fixture.gw.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel).toBe(1);
  });
});
