// Login regulation (SECURITY L1, CONTRACT §3 rate_limits.login, §8.4): an online guesser gets
// max_retries tries per account at one address within find_time, then a ban for ban_time during
// which even the right password is refused; an address and an account have looser caps of their
// own (per_ip_max_retries, per_account_max_retries), so one person's typos never lock out an
// office behind one address. The page warns before the last try and says how long a ban lasts.
// The answer never tells whether the account exists, and a forged X-Forwarded-For changes nothing
// unless the peer is a trusted proxy.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const BAN_MS = 5_000;
const POLICY = {
  access: { default: 'one_factor' },
  rate_limits: { login: { max_retries: 3, per_ip_max_retries: 6, per_account_max_retries: 5, find_time: '2m', ban_time: `${BAN_MS / 1000}s` } },
};
const LOCKED = /Too many failed sign-in attempts\. Try again in [1-5] seconds?\./;
const LAST_TRY = 'Incorrect email or password. One more failed attempt will pause sign-in for this account here for 5 seconds.';
// Counts in Redis outlive a run, so every run signs in with its own emails and proxied IPs.
const run = randomBytes(4).toString('hex');
const email = (name: string) => `${name}-${run}@example.com`;
const address = runAddresses();
let nextIp = 0;
const freshIp = () => address(++nextIp);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let storage: Awaited<ReturnType<typeof openTestStorage>>;
/** Sees the socket address only. In-process counts: every test client is 127.0.0.1, and an IP ban
 * of 127.0.0.1 in a shared Redis would leak into other test files. */
let direct: TestGateway;
/** Behind a trusted proxy, so each attempt can come from its own IP; Redis when REDIS_URL is set. */
let proxied: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  direct = await startTestGateway({ storage, policy: POLICY });
  proxied = await startTestGateway({
    storage, policy: POLICY,
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
});
afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  await storage?.close();
});

async function browser(gw: TestGateway): Promise<TestClient> {
  const client = new TestClient(gw.url);
  await client.page(`${P}/login`);
  return client;
}

function attempt(client: TestClient, who: string, password: string, ip?: string): Promise<Response> {
  return client.postForm(`${P}/login`, { email: who, password, rd: '/' }, ip ? { 'x-forwarded-for': ip } : {});
}

async function expectLocked(res: Response): Promise<string> {
  const html = await res.text();
  expect(res.status).toBe(429);
  expect(html).toMatch(LOCKED);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.headers.getSetCookie().some((cookie) => /^recourse_session=[^;]/.test(cookie))).toBe(false);
  return html;
}

async function auditRows(event: string, forEmail: string) {
  const rows = await storage.db.select().from(auditLog).where(eq(auditLog.event, event));
  return rows.filter((row) => row.details.email === forEmail);
}

const withoutValues = (html: string) => html.replace(/value="[^"]*"/g, '');

describe('login regulation on the socket address', () => {
  it('three wrong passwords ban the account: the right one is refused, a forged X-Forwarded-For does not help, the ban ends', async () => {
    const ann = email('ann');
    const annId = await direct.addUser({ email: ann, password: PASSWORD });
    const client = await browser(direct);
    const first = await attempt(client, ann, 'wrong password 1');
    expect(first.status).toBe(401);
    expect(await first.text()).not.toContain('One more failed attempt');
    const second = await attempt(client, ann, 'wrong password 2');
    expect(second.status).toBe(401);
    expect(await second.text()).toContain(LAST_TRY);
    await expectLocked(await attempt(client, ann, 'wrong password 3'));
    await expectLocked(await attempt(client, ann, PASSWORD));
    for (let i = 0; i < 3; i++) await expectLocked(await attempt(client, ann, PASSWORD, freshIp()));
    expect(client.cookies.has('recourse_session')).toBe(false);

    const locked = await auditRows('login.locked', ann);
    expect(locked.map((row) => row.details.scope)).toEqual(['user']);
    expect(locked[0]!.userId).toBe(annId);
    const refused = (await auditRows('login.failed', ann)).filter((row) => row.details.reason === 'locked');
    expect(refused).toHaveLength(4);

    await sleep(BAN_MS + 300);
    const res = await attempt(client, ann, PASSWORD);
    expect(res.status).toBe(303);
    expect(client.cookies.has('recourse_session')).toBe(true);
  });

  it('an email that matches no account is banned the same way', async () => {
    const ghost = email('ghost');
    const client = await browser(direct);
    expect((await attempt(client, ghost, 'guess 1')).status).toBe(401);
    expect((await attempt(client, ghost, 'guess 2')).status).toBe(401);
    await expectLocked(await attempt(client, ghost, 'guess 3'));
    await expectLocked(await attempt(client, ghost, PASSWORD));
    // The socket address (127.0.0.1) now holds six failures too: its cap starts a ban beside.
    expect((await auditRows('login.locked', ghost)).map((row) => row.details.scope).sort()).toEqual(['ip', 'user']);
  });
});

describe('login regulation per account and address, with looser caps per address and per account (trusted proxy)', () => {
  it('one person\'s typos pause them at the office address only: colleagues there sign in, and so do they from elsewhere', async () => {
    const [carl, dora] = [email('carl'), email('dora')];
    await proxied.addUser({ email: carl, password: PASSWORD });
    await proxied.addUser({ email: dora, password: PASSWORD });
    const client = await browser(proxied);
    const office = freshIp();
    expect((await attempt(client, carl, 'wrong 1', office)).status).toBe(401);
    expect(await (await attempt(client, carl, 'wrong 2', office)).text()).toContain(LAST_TRY);
    await expectLocked(await attempt(client, carl, 'wrong 3', office));
    await expectLocked(await attempt(client, carl, PASSWORD, office));
    expect((await attempt(await browser(proxied), dora, PASSWORD, office)).status).toBe(303);
    expect((await attempt(client, carl, PASSWORD, freshIp())).status).toBe(303);
    expect((await auditRows('login.locked', carl)).map((row) => row.details.scope)).toEqual(['user']);
  });

  it('the per-address cap covers every email from that address and no other address', async () => {
    const erin = email('erin');
    await proxied.addUser({ email: erin, password: PASSWORD });
    const client = await browser(proxied);
    const banned = freshIp();
    for (let i = 1; i <= 5; i++) expect((await attempt(client, email(`x${i}`), 'wrong', banned)).status).toBe(401);
    await expectLocked(await attempt(client, email('x6'), 'wrong', banned));
    await expectLocked(await attempt(client, erin, PASSWORD, banned));
    const [row] = await auditRows('login.locked', email('x6'));
    expect(row).toMatchObject({ ip: banned, details: { scope: 'ip' } });
    expect((await attempt(client, erin, PASSWORD, freshIp())).status).toBe(303);
  });

  it('the per-account cap follows the email to every address, for known and unknown emails alike, and ends', async () => {
    const fay = email('fay');
    const ghost = email('nobody');
    await proxied.addUser({ email: fay, password: PASSWORD });
    const client = await browser(proxied);
    const answers: string[] = [];
    for (const who of [fay, ghost]) {
      for (let i = 1; i <= 4; i++) expect((await attempt(client, who, `wrong ${i}`, freshIp())).status).toBe(401);
      await expectLocked(await attempt(client, who, 'wrong 5', freshIp()));
      answers.push(withoutValues(await expectLocked(await attempt(client, who, PASSWORD, freshIp()))));
    }
    expect(answers[1]).toBe(answers[0]);
    for (const who of [fay, ghost]) expect((await auditRows('login.locked', who)).map((row) => row.details.scope)).toEqual(['account']);

    await sleep(BAN_MS + 300);
    expect((await attempt(client, fay, PASSWORD, freshIp())).status).toBe(303);
  });

  it('a success clears the count at that address but not the address\'s own', async () => {
    const gil = email('gil');
    await proxied.addUser({ email: gil, password: PASSWORD });
    const client = await browser(proxied);
    const shared = freshIp();
    await attempt(client, gil, 'wrong', shared);
    await attempt(client, gil, 'wrong', shared);
    expect((await attempt(client, gil, PASSWORD, shared)).status).toBe(303);
    expect((await attempt(client, gil, 'wrong', shared)).status).toBe(401);
    expect((await attempt(client, gil, 'wrong', shared)).status).toBe(401);
    // The address holds gil's four failures: two more from anyone reach its cap of six.
    expect((await attempt(client, email('y1'), 'wrong', shared)).status).toBe(401);
    await expectLocked(await attempt(client, email('y2'), 'wrong', shared));
  });
});
