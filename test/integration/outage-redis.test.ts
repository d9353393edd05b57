// Redis outage (SECURITY F1, L2): a gateway whose login regulation lives in a Redis of the test's
// own keeps regulating when that Redis is killed — three wrong passwords still ban the account,
// counted in process instead of not at all — and counts in Redis again once it returns.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { canRunThrowawayRedis, startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';

const P = '/.recourse';
const PASSWORD = 'redis outage password';
const POLICY = { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: 3, find_time: '2m', ban_time: '5m' } } };
// ioredis reconnects with a backoff capped at 2 s; this only bounds a hang.
const RECOVERY_WAIT_MS = 20_000;
const run = randomBytes(3).toString('hex');
let nextIp = 0;
// Behind a trusted proxy each attempt names its own address, so only the account count can ban.
const freshIp = () => `2001:db8::${(++nextIp).toString(16)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!canRunThrowawayRedis())('Redis stopped under a running gateway', () => {
  let redis: ThrowawayRedis;
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let gw: TestGateway;
  let inspect: Redis;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    storage = await openTestStorage();
    gw = await startTestGateway({ storage, policy: POLICY, config: { redis: { url: redis.url }, server: { trust_proxy: ['127.0.0.1/32'] } } });
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    inspect.on('error', () => {});
  });
  afterAll(async () => {
    inspect?.disconnect();
    await gw?.close();
    await storage?.close();
    await redis?.stop();
  });

  async function browser(): Promise<TestClient> {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    return client;
  }
  const attempt = (client: TestClient, email: string, password: string, ip = freshIp()) =>
    client.postForm(`${P}/login`, { email, password, rd: '/' }, { 'x-forwarded-for': ip });
  // The account's count across addresses (CONTRACT §8.4): every failure of the email lands here.
  const countInRedis = (email: string) => inspect.get(`recourse:login:account:${email}`);

  /** Three wrong passwords for the account from one address, then the right one from there: refused. */
  async function expectBanAfterThreeFailures(email: string): Promise<void> {
    const client = await browser();
    const ip = freshIp();
    expect((await attempt(client, email, 'wrong 1', ip)).status).toBe(401);
    expect((await attempt(client, email, 'wrong 2', ip)).status).toBe(401);
    expect((await attempt(client, email, 'wrong 3', ip)).status).toBe(429);
    const right = await attempt(client, email, PASSWORD, ip);
    expect(right.status).toBe(429);
    expect(await right.text()).toMatch(/Too many failed sign-in attempts/);
    expect(client.cookies.has('recourse_session')).toBe(false);
  }

  it('counts in Redis, falls back to in-process counters while it is down, and returns to Redis', async () => {
    const before = `before-${run}@example.com`;
    const during = `during-${run}@example.com`;
    const after = `after-${run}@example.com`;
    const fine = `fine-${run}@example.com`;
    for (const email of [before, during, after, fine]) await gw.addUser({ email, password: PASSWORD });
    await inspect.connect();

    await expectBanAfterThreeFailures(before);
    expect(Number(await countInRedis(before))).toBeGreaterThanOrEqual(3);

    await redis.stop();
    await expectBanAfterThreeFailures(during);
    // Regulated, not refused: an account with no failures still signs in.
    expect((await attempt(await browser(), fine, PASSWORD)).status).toBe(303);

    await redis.start();
    // The gateway reconnects by itself; a failure counted after that lands in Redis.
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    let probe = 0;
    for (;;) {
      const email = `probe-${++probe}-${run}@example.com`;
      await attempt(await browser(), email, 'wrong');
      if (await countInRedis(email).catch(() => null) === '1') break;
      expect(Date.now(), 'the gateway counts in Redis again').toBeLessThan(deadline);
      await sleep(250);
    }
    await expectBanAfterThreeFailures(after);
    expect(Number(await countInRedis(after))).toBeGreaterThanOrEqual(3);
  });
});
