// Attack: an attacker with the password fires hundreds of authenticator-code guesses at once on
// one password-only session, so that every guess reads the per-account failure count before any
// failure is added to it, and slips the right code in while the burst is still in flight (issue
// 32: 999 of 1,000 guesses verified against a cap of 100, and the right one signed in). SECURITY
// L1: each attempt is charged before it is verified, atomically, so no more than max_failures
// guesses are ever checked; once the account is blocked the right code is refused too. Counted
// from the audit (one `second_factor.failed` row per checked guess), not from the answers.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { burst, VICTIM } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';
import { P, seedTotp, STEP_MS } from '../http/totp-support.js';

const CAP = 10;
const GUESSES = 200;
const clock = new FixedClock('2026-05-04T10:00:10Z');
let fixture: ProxiedTestGateway;
let userId = '';
let secret = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    clock,
    policy: { access: { default: 'two_factor' }, rate_limits: { second_factor: { max_failures: CAP } } },
    // Shared counters when the run has Redis: the charge is then one Lua script.
    config: { redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await fixture.gw.addUser(VICTIM);
  secret = await seedTotp(fixture.storage, userId, clock);
});
afterAll(async () => {
  await fixture?.close();
});

async function passwordOnly(): Promise<TestClient> {
  const client = new TestClient(fixture.gw.url);
  expect((await client.signIn(VICTIM.email, VICTIM.password)).status).toBe(303);
  expect((await client.page(`${P}/2fa`)).res.status).toBe(200);
  return client;
}

/** Six-digit codes that match none of the steps around now: certainly wrong, all different. */
function wrongCodes(count: number): string[] {
  const near = new Set([-1, 0, 1].map((d) => generateTotpCode(secret, clock.nowMs() + d * STEP_MS)));
  const codes: string[] = [];
  for (let n = 0; codes.length < count; n++) if (!near.has(String(n).padStart(6, '0'))) codes.push(String(n).padStart(6, '0'));
  return codes;
}

const events = async (event: string) =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;

describe(`${GUESSES} parallel TOTP guesses and the right code on one session (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`verifies at most max_failures (${CAP}) of them, then refuses the right code too`, async () => {
    const client = await passwordOnly();
    const codes = wrongCodes(GUESSES);
    const right = generateTotpCode(secret, clock.nowMs());
    const { answers, then } = await burst(
      GUESSES,
      (i) => client.postForm(`${P}/2fa/totp`, { code: codes[i]!, rd: '/' }),
      () => client.postForm(`${P}/2fa/totp`, { code: right, rd: '/' }),
    );

    expect(await events('second_factor.failed')).toBe(CAP);
    expect(await events('second_factor.succeeded')).toBe(0);
    // The failure that reached the cap answered "blocked" like every refused charge after it.
    expect(answers.filter((a) => a.status === 401)).toHaveLength(CAP - 1);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(GUESSES - CAP + 1);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fixture.gw.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel).toBe(1);

    // Blocked for the account, not for the session: a new sign-in with the right code is refused.
    const fresh = await passwordOnly();
    expect((await fresh.postForm(`${P}/2fa/totp`, { code: right, rd: '/' })).status).toBe(429);
    expect(await events('second_factor.failed')).toBe(CAP);
  });
});
