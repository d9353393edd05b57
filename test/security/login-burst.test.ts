// Attack: a password guesser fires sixty sign-ins for one account from one address at once, so
// that every attempt reads the account's and the address's failure counts before any failure is
// added to them, and then tries the right password (issue 32: 124 wrong passwords verified on
// PostgreSQL against max_retries 3, and the right one signed in). SECURITY L1: each attempt is
// charged to the account and the address before its password hash is verified, atomically, so
// no more than max_retries hashes are ever checked; each ban starts once (one `login.locked` per
// scope: the per-address cap is set as tight as the account's here, so both start), and while it
// lasts the right password is refused too. Counted from the audit (one
// `login.failed` row with the real reason per verified hash), not from the answers.
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
// Counts in Redis outlive a run: this run's account and address are its own, the address from a
// trusted X-Forwarded-For so that no ban of 127.0.0.1 leaks into other test files.
const run = randomBytes(4).toString('hex');
const EMAIL = `victim-${run}@example.com`;
const IP = runAddresses()(1);
let fixture: ProxiedTestGateway;
let userId = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: MAX_RETRIES, per_ip_max_retries: MAX_RETRIES, find_time: '2m', ban_time: '5m' } } },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await fixture.gw.addUser({ email: EMAIL, password: PASSWORD });
});
afterAll(async () => {
  await fixture?.close();
});

const signIn = (client: TestClient, password: string) =>
  client.postForm(`${P}/login`, { email: EMAIL, password, rd: '/' }, { 'x-forwarded-for': IP });

const audit = async (event: string) =>
  fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.event, event), eq(auditLog.ip, IP)));

describe(`${ATTEMPTS} parallel wrong passwords for one account from one address (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`verifies at most max_retries (${MAX_RETRIES}) of them, bans once per scope, then refuses the right password`, async () => {
    const client = new TestClient(fixture.gw.url);
    await client.page(`${P}/login`);
    const answers = await Promise.all(Array.from({ length: ATTEMPTS }, async (_, i) => {
      const res = await signIn(client, `wrong password ${i}`);
      await res.arrayBuffer();
      return res.status;
    }));
    expect(answers.every((status) => status === 401 || status === 429)).toBe(true);

    const failed = await audit('login.failed');
    const verified = failed.filter((row) => row.details.reason !== 'locked');
    expect(verified).toHaveLength(MAX_RETRIES);
    expect(verified.every((row) => row.details.reason === 'bad_password' && row.userId === userId)).toBe(true);
    expect(failed.filter((row) => row.details.reason === 'locked')).toHaveLength(ATTEMPTS - MAX_RETRIES);
    expect((await audit('login.locked')).map((row) => row.details.scope).sort()).toEqual(['ip', 'user']);

    const right = await signIn(client, PASSWORD);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await audit('login.succeeded')).toHaveLength(0);
  });
});
