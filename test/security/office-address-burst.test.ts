// Attack: one person behind an office's shared address (or a guesser on that network) fires sixty
// wrong passwords for their account at once, hoping either to get more than max_retries checked
// or to lock the whole office out. SECURITY L1 and CONTRACT §8.4: regulation counts the account at
// that address (max_retries), the address for everyone (per_ip_max_retries, looser) and the
// account everywhere (per_account_max_retries), each charged atomically before the argon2 check.
// So at most max_retries hashes are verified, the ban is on that account at that address only, and
// colleagues signing in from the same address during and after the burst get in.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { usingPostgres } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const MAX_RETRIES = 3;
const ATTEMPTS = 60;
const COLLEAGUES = 8;
// Counts in Redis outlive a run: this run's accounts and address are its own.
const run = randomBytes(4).toString('hex');
const TYPIST = `typist-${run}@example.com`;
const colleague = (i: number) => `colleague${i}-${run}@example.com`;
const OFFICE = runAddresses()(1);
let fixture: ProxiedTestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: MAX_RETRIES, find_time: '2m', ban_time: '5m' } } },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
  await fixture.gw.addUser({ email: TYPIST, password: PASSWORD });
  for (let i = 0; i < COLLEAGUES; i++) await fixture.gw.addUser({ email: colleague(i), password: PASSWORD });
});
afterAll(async () => {
  await fixture?.close();
});

async function signIn(email: string, password: string): Promise<number> {
  const client = new TestClient(fixture.gw.url);
  await client.page(`${P}/login`);
  const res = await client.postForm(`${P}/login`, { email, password, rd: '/' }, { 'x-forwarded-for': OFFICE });
  await res.arrayBuffer();
  return res.status;
}

describe(`${ATTEMPTS} parallel wrong passwords from an office address (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it('verify at most max_retries, ban only that account at that address, and never lock the colleagues out', async () => {
    const client = new TestClient(fixture.gw.url);
    await client.page(`${P}/login`);
    const wrong = Array.from({ length: ATTEMPTS }, async (_, i) => {
      const res = await client.postForm(`${P}/login`, { email: TYPIST, password: `typo ${i}`, rd: '/' }, { 'x-forwarded-for': OFFICE });
      await res.arrayBuffer();
      return res.status;
    });
    const colleaguesDuring = Array.from({ length: COLLEAGUES / 2 }, (_, i) => signIn(colleague(i), PASSWORD));
    const [answers, during] = await Promise.all([Promise.all(wrong), Promise.all(colleaguesDuring)]);
    expect(answers.every((status) => status === 401 || status === 429)).toBe(true);
    expect(during).toEqual(Array(COLLEAGUES / 2).fill(303));

    const failed = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'login.failed'), eq(auditLog.ip, OFFICE)));
    expect(failed.filter((row) => row.details.reason === 'bad_password')).toHaveLength(MAX_RETRIES);
    const locked = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'login.locked'), eq(auditLog.ip, OFFICE)));
    expect(locked.map((row) => row.details.scope)).toEqual(['user']);

    expect(await signIn(TYPIST, PASSWORD)).toBe(429);
    const after = await Promise.all(Array.from({ length: COLLEAGUES / 2 }, (_, i) => signIn(colleague(COLLEAGUES / 2 + i), PASSWORD)));
    expect(after).toEqual(Array(COLLEAGUES / 2).fill(303));
  });
});
