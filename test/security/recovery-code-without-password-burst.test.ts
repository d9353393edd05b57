// Attack: someone who knows only an email address, and that an administrator has issued its owner a
// recovery code, guesses codes on the sign-in page's "Have a recovery code?" form (no password, no
// session) in one parallel burst, so that every guess reads the failure counts before any failure
// is added to them, and sends the real code, read from forwarded mail, while the burst is in
// flight. SECURITY A1, R1, L1: each guess is charged before its check, atomically, to login
// regulation (the email at this address, `max_retries`) and to the account's second-factor limit
// (`max_failures`), so no more guesses are checked than the tighter of the two allows — from one
// address the login limit, from many addresses the account's limit — and the real code is refused
// and stays unspent. Counted from the audit (one `second_factor.failed` row per checked guess).
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, recoveryCodes } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { CODE_ALPHABET, formatGroupedCode, RECOVERY_CODE_LENGTH } from '../../gateway/security/codes.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, TEST_SECRET, type ProxiedTestGateway } from '../support/gateway.js';
import { burst } from '../support/race.js';
import { runAddresses } from '../support/run-addresses.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const MAX_RETRIES = 3;
const CAP = 10;
const GUESSES = 200;
// Counts in Redis outlive a run: the accounts' emails and the addresses are this run's own.
const run = randomBytes(4).toString('hex');
const address = runAddresses();
let fixture: ProxiedTestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: {
      access: { default: 'two_factor' },
      rate_limits: {
        // Per account at one address: the login limit. Per account across addresses: left loose,
        // so that the second-factor limit is the one a many-address burst meets.
        login: { max_retries: MAX_RETRIES, per_ip_max_retries: 1_000, per_account_max_retries: 1_000, find_time: '2m', ban_time: '5m' },
        second_factor: { max_failures: CAP },
      },
    },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
});
afterAll(async () => {
  await fixture?.close();
});

/** An account with a recovery code issued to it. */
async function accountWithCode(name: string): Promise<{ email: string; userId: string; code: string }> {
  const email = `${name}-${run}@example.com`;
  const userId = await fixture.gw.addUser({ email, password: 'correct horse battery' });
  const { code } = await fixture.storage.db.transaction((tx) =>
    issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now: fixture.gw.clock.now(), ttlMs: 3_600_000 }));
  return { email, userId, code };
}

/** Well-formed codes, all different; a 1 in 2^60 chance that one is the real code is ignored. */
function guesses(count: number): string[] {
  return Array.from({ length: count }, (_, n) => {
    const symbols = Array.from({ length: RECOVERY_CODE_LENGTH }, (_, i) => CODE_ALPHABET[Math.floor(n / CODE_ALPHABET.length ** i) % CODE_ALPHABET.length]);
    return formatGroupedCode(symbols.join(''));
  });
}

async function visitor(): Promise<TestClient> {
  const client = new TestClient(fixture.gw.url);
  expect((await client.page(`${P}/2fa/recovery-code`)).res.status).toBe(200);
  return client;
}

const post = (client: TestClient, email: string, code: string, ip: string) =>
  client.postForm(`${P}/2fa/recovery-code`, { email, code, lost: 'password', rd: '/' }, { 'x-forwarded-for': ip });

async function checked(userId: string): Promise<number> {
  const rows = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.failed')));
  expect(rows.every((row) => row.details.method === 'recovery_code' && row.details.without_password === true)).toBe(true);
  return rows.length;
}

async function expectUnspent(userId: string): Promise<void> {
  const used = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'recovery_code.used')));
  expect(used).toHaveLength(0);
  const [row] = await fixture.storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  expect(row!.usedAt).toBeNull();
}

describe(`${GUESSES} parallel recovery-code guesses without a password, and the real code (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`from one address: checks at most max_retries (${MAX_RETRIES}) of them, then refuses the real code`, async () => {
    const { email, userId, code } = await accountWithCode('one-address');
    const client = await visitor();
    const ip = address(1);
    const wrong = guesses(GUESSES);
    const { answers, then } = await burst(GUESSES, (i) => post(client, email, wrong[i]!, ip), () => post(client, email, code, ip));

    expect(await checked(userId)).toBe(MAX_RETRIES);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(MAX_RETRIES);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(GUESSES - MAX_RETRIES);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectUnspent(userId);
  });

  it(`from an address per guess: checks at most max_failures (${CAP}) of them, then refuses the real code`, async () => {
    const { email, userId, code } = await accountWithCode('many-addresses');
    const client = await visitor();
    const wrong = guesses(GUESSES);
    const { answers, then } = await burst(GUESSES, (i) => post(client, email, wrong[i]!, address(100 + i)), () => post(client, email, code, address(99)));

    expect(await checked(userId)).toBe(CAP);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(CAP);
    expect(then.status).toBe(429);
    expect(Number(then.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectUnspent(userId);
  });
});
