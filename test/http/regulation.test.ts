// Login regulation (SECURITY L1, CONTRACT §3 rate_limits.login): an online guesser gets
// max_retries tries per account and per IP within find_time, then a ban for ban_time during which
// even the right password is refused. The answer never tells whether the account exists, and a
// forged X-Forwarded-For changes nothing unless the peer is a trusted proxy.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const BAN_MS = 2_000;
const POLICY = {
  access: { default: 'one_factor' },
  rate_limits: { login: { max_retries: 3, find_time: '2m', ban_time: `${BAN_MS / 1000}s` } },
};
const LOCKED = /Too many failed sign-in attempts\. Try again in \d+ minutes?\./;
// Counts in Redis outlive a run, so every run signs in with its own emails and proxied IPs.
const run = randomBytes(4).toString('hex');
const email = (name: string) => `${name}-${run}@example.com`;
let nextIp = 0;
const freshIp = () => `2001:db8:${run.slice(0, 4)}:${run.slice(4)}::${(++nextIp).toString(16)}`;
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
    expect((await attempt(client, ann, 'wrong password 1')).status).toBe(401);
    expect((await attempt(client, ann, 'wrong password 2')).status).toBe(401);
    await expectLocked(await attempt(client, ann, 'wrong password 3'));
    await expectLocked(await attempt(client, ann, PASSWORD));
    for (let i = 0; i < 3; i++) await expectLocked(await attempt(client, ann, PASSWORD, freshIp()));
    expect(client.cookies.has('recourse_session')).toBe(false);

    const locked = await auditRows('login.locked', ann);
    expect(locked.map((row) => row.details.scope).sort()).toEqual(['ip', 'user']);
    expect(locked.find((row) => row.details.scope === 'user')!.userId).toBe(annId);
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
    expect((await auditRows('login.locked', ghost)).map((row) => row.details.scope).sort()).toEqual(['ip', 'user']);
  });
});

describe('login regulation per account and per IP, independently (trusted proxy)', () => {
  it('the account ban follows the email to every IP, for known and unknown emails alike, and ends', async () => {
    const carl = email('carl');
    const ghost = email('nobody');
    await proxied.addUser({ email: carl, password: PASSWORD });
    const client = await browser(proxied);
    const answers: string[] = [];
    for (const who of [carl, ghost]) {
      expect((await attempt(client, who, 'wrong 1', freshIp())).status).toBe(401);
      expect((await attempt(client, who, 'wrong 2', freshIp())).status).toBe(401);
      await expectLocked(await attempt(client, who, 'wrong 3', freshIp()));
      answers.push(withoutValues(await expectLocked(await attempt(client, who, PASSWORD, freshIp()))));
    }
    expect(answers[1]).toBe(answers[0]);
    for (const who of [carl, ghost]) {
      expect((await auditRows('login.locked', who)).map((row) => row.details.scope)).toEqual(['user']);
    }

    await sleep(BAN_MS + 300);
    expect((await attempt(client, carl, PASSWORD, freshIp())).status).toBe(303);
  });

  it('the IP ban covers every email from that IP and no other IP', async () => {
    const dora = email('dora');
    await proxied.addUser({ email: dora, password: PASSWORD });
    const client = await browser(proxied);
    const banned = freshIp();
    expect((await attempt(client, email('x1'), 'wrong', banned)).status).toBe(401);
    expect((await attempt(client, email('x2'), 'wrong', banned)).status).toBe(401);
    await expectLocked(await attempt(client, email('x3'), 'wrong', banned));
    await expectLocked(await attempt(client, dora, PASSWORD, banned));
    const [row] = await auditRows('login.locked', email('x3'));
    expect(row).toMatchObject({ ip: banned, details: { scope: 'ip' } });
    expect((await attempt(client, dora, PASSWORD, freshIp())).status).toBe(303);
  });

  it('a success clears the account count but not the IP count', async () => {
    const frank = email('frank');
    await proxied.addUser({ email: frank, password: PASSWORD });
    const client = await browser(proxied);
    await attempt(client, frank, 'wrong', freshIp());
    await attempt(client, frank, 'wrong', freshIp());
    expect((await attempt(client, frank, PASSWORD, freshIp())).status).toBe(303);
    expect((await attempt(client, frank, 'wrong', freshIp())).status).toBe(401);
    expect((await attempt(client, frank, 'wrong', freshIp())).status).toBe(401);

    const shared = freshIp();
    await attempt(client, email('y1'), 'wrong', shared);
    await attempt(client, email('y2'), 'wrong', shared);
    expect((await attempt(client, frank, PASSWORD, shared)).status).toBe(303);
    await expectLocked(await attempt(client, email('y3'), 'wrong', shared));
  });
});
