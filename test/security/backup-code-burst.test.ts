// Attack: an attacker with the password guesses backup codes in one parallel burst on a
// password-only session, so that every guess reads the per-account failure count before any
// failure is added to it, and sends a real code (read off a photo of the printed sheet, say)
// while the burst is in flight. SECURITY B5, L1: backup codes share the account's second-factor
// limit, charged before each check, so no more than max_failures guesses are ever checked, and
// once the account is blocked the real code is refused and stays unspent.
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, backupCodes } from '../../db/schema/index.js';
import { CODE_ALPHABET } from '../../gateway/security/codes.js';
import { seedBackupCodes } from '../support/backup-codes.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { burst, VICTIM } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const CAP = 10;
const GUESSES = 200;
let fixture: ProxiedTestGateway;
let userId = '';
let codes: string[] = [];

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'two_factor' }, rate_limits: { second_factor: { max_failures: CAP } } },
    config: { redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await fixture.gw.addUser(VICTIM);
  codes = await seedBackupCodes(fixture.gw, fixture.storage, userId);
});
afterAll(async () => {
  await fixture?.close();
});

/** Well-formed codes that are none of the user's. */
function wrongCodes(count: number): string[] {
  const wrong: string[] = [];
  for (let n = 0; wrong.length < count; n++) {
    const a = CODE_ALPHABET[n % CODE_ALPHABET.length]!;
    const b = CODE_ALPHABET[Math.floor(n / CODE_ALPHABET.length) % CODE_ALPHABET.length]!;
    const candidate = `${a}${b}00-0000`;
    if (!codes.includes(candidate)) wrong.push(candidate);
  }
  return wrong;
}

const events = async (event: string) =>
  (await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;

describe(`${GUESSES} parallel backup-code guesses and a real code on one session (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`checks at most max_failures (${CAP}) of them, then refuses the real code and leaves it unspent`, async () => {
    const client = new TestClient(fixture.gw.url);
    expect((await client.signIn(VICTIM.email, VICTIM.password)).status).toBe(303);
    expect((await client.page(`${P}/2fa/backup-code`)).res.status).toBe(200);
    const guesses = wrongCodes(GUESSES);
    const { then } = await burst(
      GUESSES,
      (i) => client.postForm(`${P}/2fa/backup-code`, { code: guesses[i]!, rd: '/' }),
      () => client.postForm(`${P}/2fa/backup-code`, { code: codes[0]!, rd: '/' }),
    );

    expect(await events('second_factor.failed')).toBe(CAP);
    expect(await events('backup_code.used')).toBe(0);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    const spent = await fixture.storage.db.select().from(backupCodes).where(and(eq(backupCodes.userId, userId), isNotNull(backupCodes.usedAt)));
    expect(spent).toHaveLength(0);
  });
});
