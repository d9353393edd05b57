// Attack: an attacker with the password guesses the second factor, spreading the guesses so that
// no single counter sees many: a new sign-in (a new session) every few tries, a different
// X-Forwarded-For on every request, and alternating between authenticator codes and backup
// codes. SECURITY L1: failures are counted per account, across flows, sessions, IPs and factor
// kinds; at the cap (rate_limits.second_factor.max_failures, lowered to 5 here to keep the test
// short) even the right code is refused and nothing reaches the upstream. X-Forwarded-For is not
// believed without server.trust_proxy (S5), so the audit shows the socket address throughout.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, backupCodes, totpFactors } from '../../db/schema/index.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { P, seedTotp, wrongCode } from '../http/totp-support.js';

const PASSWORD = 'correct horse battery';
const CAP = 5;
const clock = new FixedClock('2026-05-04T10:00:10Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let userId = '';
let secret = '';
let codes: string[] = [];
let forged = 0;

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage, upstream: upstream.url, clock,
    policy: { access: { default: 'two_factor' }, rate_limits: { second_factor: { max_failures: CAP } } },
    // Shared counters when Redis is configured; no trust_proxy either way.
    config: { redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
  secret = await seedTotp(storage, userId, clock);
  const deps = { config: gw.config, clock: gw.clock, policies: gw.running.policies };
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
  const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
  if (!shown.ok) throw new Error(shown.reason);
  codes = shown.codes;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** A different made-up client address for every request. */
const rotatedXff = () => ({ 'x-forwarded-for': `203.0.113.${++forged}`, 'x-real-ip': `198.51.100.${forged}` });

async function newSession(): Promise<TestClient> {
  const client = new TestClient(gw.url);
  await client.page(`${P}/login?rd=%2Finbox`, rotatedXff());
  expect((await client.postForm(`${P}/login`, { email: 'victim@example.com', password: PASSWORD, rd: '/inbox' }, rotatedXff())).status).toBe(303);
  expect((await client.page(`${P}/2fa?rd=%2Finbox`, rotatedXff())).res.status).toBe(200);
  return client;
}

const guessTotp = (client: TestClient, code: string) => client.postForm(`${P}/2fa/totp`, { code, rd: '/inbox' }, rotatedXff());
const guessBackupCode = (client: TestClient, code: string) => client.postForm(`${P}/2fa/backup-code`, { code, rd: '/inbox' }, rotatedXff());

/** A well-formed backup code that is not one of the user's. */
function wrongBackupCode(): string {
  for (const candidate of ['2345-6789', 'ABCD-EFGH', 'JKMN-PQRS']) if (!codes.includes(candidate)) return candidate;
  throw new Error('unreachable');
}

async function reachesUpstream(client: TestClient): Promise<boolean> {
  const before = upstream.seen.length;
  const res = await client.request('/inbox', { headers: rotatedXff() });
  await res.arrayBuffer();
  return res.status === 200 && upstream.seen.length > before;
}

describe(`second-factor guessing spread over sessions, addresses and factors (cap ${CAP})`, () => {
  it('counts every failure against the account, then refuses even the right code of either kind', async () => {
    const sessions = [await newSession(), await newSession(), await newSession()];
    const [a, b, c] = sessions as [TestClient, TestClient, TestClient];
    const guesses = [
      () => guessTotp(a, wrongCode(secret, clock.nowMs())),
      () => guessBackupCode(b, wrongBackupCode()),
      () => guessTotp(c, wrongCode(secret, clock.nowMs())),
      () => guessBackupCode(a, wrongBackupCode()),
      () => guessTotp(b, wrongCode(secret, clock.nowMs())),
    ];
    const statuses: number[] = [];
    for (const guess of guesses) statuses.push((await guess()).status);
    // Four ordinary refusals, and the fifth failure (the cap) already answers "blocked".
    expect(statuses).toEqual([401, 401, 401, 401, 429]);

    // The right answers, from an existing session and from a brand-new one, on every factor kind.
    const fresh = await newSession();
    for (const client of [c, fresh]) {
      expect((await guessTotp(client, generateTotpCode(secret, clock.nowMs()))).status).toBe(429);
      expect((await guessBackupCode(client, codes[0]!)).status).toBe(429);
    }
    for (const client of [...sessions, fresh]) expect(await reachesUpstream(client)).toBe(false);

    // Nothing was spent by the refused right answers: the code is unused, the step not burnt.
    const unused = await storage.db.select().from(backupCodes).where(eq(backupCodes.userId, userId));
    expect(unused.every((row) => row.usedAt === null)).toBe(true);
    const [factor] = await storage.db.select().from(totpFactors).where(eq(totpFactors.userId, userId));
    expect(factor!.lastUsedStep).toBeLessThan(Math.floor(clock.nowMs() / 30_000));

    // Exactly the five guesses were audited as failures, all from the socket address.
    const failed = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.failed')));
    expect(failed).toHaveLength(CAP);
    expect(failed.map((row) => row.details.method).sort()).toEqual(['backup_code', 'backup_code', 'totp', 'totp', 'totp']);
    expect(new Set(failed.map((row) => row.ip))).toEqual(new Set(['127.0.0.1']));
  });
});
