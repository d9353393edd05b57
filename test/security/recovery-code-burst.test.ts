// Attack: an attacker with the password, knowing an administrator has issued the user a recovery
// code, guesses codes in one parallel burst on a password-only session (every guess reading the
// per-account failure count before any failure is added to it), and sends the real code, read
// from forwarded mail, while the burst is in flight. SECURITY R1, L1: recovery codes share the
// account's second-factor limit, charged before each check, so no more than max_failures guesses
// are ever checked, and once the account is blocked the real code is refused and stays unspent.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, recoveryCodes } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { CODE_ALPHABET, formatGroupedCode, RECOVERY_CODE_LENGTH } from '../../gateway/security/codes.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, TEST_SECRET, type ProxiedTestGateway } from '../support/gateway.js';
import { burst, VICTIM } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const CAP = 10;
const GUESSES = 200;
let fixture: ProxiedTestGateway;
let userId = '';
let code = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'two_factor' }, rate_limits: { second_factor: { max_failures: CAP } } },
    config: { redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await fixture.gw.addUser(VICTIM);
  const now = fixture.gw.clock.now();
  ({ code } = await fixture.storage.db.transaction((tx) =>
    issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now, ttlMs: 3_600_000 })));
});
afterAll(async () => {
  await fixture?.close();
});

/** Well-formed codes, all different; a 1 in 2^60 chance that one is the real code is ignored. */
function guesses(count: number): string[] {
  return Array.from({ length: count }, (_, n) => {
    const symbols = Array.from({ length: RECOVERY_CODE_LENGTH }, (_, i) => CODE_ALPHABET[Math.floor(n / CODE_ALPHABET.length ** i) % CODE_ALPHABET.length]);
    return formatGroupedCode(symbols.join(''));
  });
}

const events = async (event: string) =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;

describe(`${GUESSES} parallel recovery-code guesses and the real code on one session (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`checks at most max_failures (${CAP}) of them, then refuses the real code and leaves it unspent`, async () => {
    const client = new TestClient(fixture.gw.url);
    expect((await client.signIn(VICTIM.email, VICTIM.password)).status).toBe(303);
    expect((await client.page(`${P}/2fa/recovery-code`)).res.status).toBe(200);
    const wrong = guesses(GUESSES);
    const { then } = await burst(
      GUESSES,
      (i) => client.postForm(`${P}/2fa/recovery-code`, { code: wrong[i]!, rd: '/' }),
      () => client.postForm(`${P}/2fa/recovery-code`, { code, rd: '/' }),
    );

    expect(await events('second_factor.failed')).toBe(CAP);
    expect(await events('recovery_code.used')).toBe(0);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    const [row] = await fixture.storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    expect(row!.usedAt).toBeNull();
  });
});
