// SECURITY L2 and F1: with Redis, every gateway instance counts against the same keys (so a
// guesser gains nothing by spreading attempts over instances or restarts), and when Redis is
// unreachable the limits fall back to in-process counters, never to no limit.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/core/logger.js';
import { policySchema } from '../../../gateway/policy/schema.js';
import { createLimits } from '../../../gateway/ratelimit/create.js';
import type { Limits } from '../../../gateway/ratelimit/limits.js';
import { failLogin, failSecondFactor, loginCheck, secondFactorCheck, succeedLogin } from '../../support/limits.js';
import { freePort } from '../../support/ports.js';

const REDIS_URL = process.env.REDIS_URL ?? '';
const policy = policySchema.parse({
  rate_limits: { login: { max_retries: 3, find_time: '1m', ban_time: '30s' }, second_factor: { max_failures: 5 } },
});
const run = randomBytes(4).toString('hex');
const email = (name: string) => `${name}-${run}@example.com`;
const ip = (n: number) => `192.0.2.${n}-${run}`;

const open: Limits[] = [];
afterEach(async () => {
  for (const limits of open.splice(0)) await limits.close();
});

async function limitsAt(redisUrl: string, logLines: Array<Record<string, unknown>> = []): Promise<Limits> {
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const limits = await createLimits({ redisUrl, policy: () => policy, logger });
  open.push(limits);
  return limits;
}

describe.skipIf(!REDIS_URL)('limits shared through Redis', () => {
  const direct = REDIS_URL ? new Redis(REDIS_URL) : null;
  afterAll(() => direct?.disconnect());

  it('two instances count the same login failures, under recourse: keys', async () => {
    const [a, b] = [await limitsAt(REDIS_URL), await limitsAt(REDIS_URL)];
    await failLogin(a, email('ann'), ip(1));
    await failLogin(b, email('ann'), ip(1));
    expect(await direct!.get(`recourse:login:pair:${email('ann')}|${ip(1)}`)).toBe('2');
    expect(await direct!.get(`recourse:login:account:${email('ann')}`)).toBe('2');
    expect(await direct!.get(`recourse:login:ip:${ip(1)}`)).toBe('2');
    expect(await failLogin(a, email('ann'), ip(1))).toMatchObject({ banned: true, started: ['user'] });
    expect(await loginCheck(b, email('ann'), ip(1))).toMatchObject({ ok: false, scope: 'user' });
  });

  it('a success on one instance clears the account count for the other', async () => {
    const [a, b] = [await limitsAt(REDIS_URL), await limitsAt(REDIS_URL)];
    await failLogin(a, email('amy'), ip(12));
    await failLogin(a, email('amy'), ip(12));
    await succeedLogin(b, email('amy'), ip(12));
    expect(await direct!.get(`recourse:login:pair:${email('amy')}|${ip(12)}`)).toBeNull();
    await failLogin(a, email('amy'), ip(12));
    expect(await failLogin(a, email('amy'), ip(12))).toMatchObject({ banned: false });
  });

  it('parallel charges from two instances let exactly the limit through (one Lua script per charge)', async () => {
    const [a, b] = [await limitsAt(REDIS_URL), await limitsAt(REDIS_URL)];
    const user = `burst-${run}`;
    const charges = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).chargeSecondFactor(user)));
    const through = charges.filter((charge) => charge.ok);
    expect(through).toHaveLength(5);
    expect((await Promise.all(through.map((charge) => charge.failed()))).filter((check) => !check.ok)).toHaveLength(1);
    expect((await secondFactorCheck(a, user)).ok).toBe(false);

    let checked = 0;
    const logins = await Promise.all(Array.from({ length: 60 }, async (_, i) => {
      const charge = await (i % 2 ? a : b).chargeLogin(email('burst'), ip(20));
      if (!charge.ok) return [];
      checked++;
      return (await charge.failed()).started;
    }));
    expect(checked).toBe(3);
    expect(logins.flat().sort()).toEqual(['user']);
  });

  it('two instances count the same second-factor failures and rates; a reset on one lifts the block on the other', async () => {
    const [a, b] = [await limitsAt(REDIS_URL), await limitsAt(REDIS_URL)];
    const user = `user-${run}`;
    for (let i = 0; i < 4; i++) expect(await failSecondFactor(i % 2 ? a : b, user)).toEqual({ ok: true });
    expect((await failSecondFactor(a, user)).ok).toBe(false);
    expect((await secondFactorCheck(b, user)).ok).toBe(false);
    await b.resetSecondFactor(user);
    expect(await secondFactorCheck(a, user)).toEqual({ ok: true });

    const rate = { count: 2, perMs: 60_000 };
    expect(await a.consume('assist_email', email('rate'), rate)).toEqual({ ok: true });
    expect(await b.consume('assist_email', email('rate'), rate)).toEqual({ ok: true });
    expect((await a.consume('assist_email', email('rate'), rate)).ok).toBe(false);
  });

  it('counts survive a restart of the gateway', async () => {
    const first = await limitsAt(REDIS_URL);
    await failLogin(first, email('bob'), ip(5));
    await failLogin(first, email('bob'), ip(5));
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await limitsAt(REDIS_URL);
    expect(await failLogin(second, email('bob'), ip(5))).toMatchObject({ banned: true, started: ['user'] });
  });

  it('logs a Redis outage once, keeps limiting through it, and logs the recovery', async () => {
    const proxy = await startTcpProxy(new URL(REDIS_URL));
    const lines: Array<Record<string, unknown>> = [];
    const limits = await limitsAt(`redis://127.0.0.1:${proxy.port}`, lines);
    await failLogin(limits, email('cat'), ip(7));
    expect(await direct!.get(`recourse:login:pair:${email('cat')}|${ip(7)}`)).toBe('1');

    await proxy.stop();
    await waitFor(() => lines.some((line) => line.level === 40));
    // The in-process insurance counts from zero, but counts: three failures still ban.
    await failLogin(limits, email('dan'), ip(8));
    await failLogin(limits, email('dan'), ip(8));
    expect(await failLogin(limits, email('dan'), ip(8))).toMatchObject({ banned: true });
    expect((await loginCheck(limits, email('dan'), ip(8))).ok).toBe(false);
    expect(lines.filter((line) => line.level === 40)).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: expect.stringContaining('in-process') });

    await proxy.start();
    await waitFor(() => lines.some((line) => String(line.msg).includes('reachable again')));
    await failLogin(limits, email('cat'), ip(7));
    expect(await direct!.get(`recourse:login:pair:${email('cat')}|${ip(7)}`)).toBe('2');
    await limits.close();
    open.splice(open.indexOf(limits), 1);
    await proxy.stop();
  });
});

describe('Redis unreachable from the start', () => {
  it('limits still apply through the in-process insurance', async () => {
    const port = await freePort();
    const lines: Array<Record<string, unknown>> = [];
    const limits = await limitsAt(`redis://127.0.0.1:${port}`, lines);
    for (let i = 0; i < 2; i++) expect(await failLogin(limits, email('eve'), ip(10))).toMatchObject({ banned: false });
    expect(await failLogin(limits, email('eve'), ip(10))).toMatchObject({ banned: true, started: ['user'] });
    expect(await loginCheck(limits, email('eve'), ip(10))).toMatchObject({ ok: false, scope: 'user' });
    for (let i = 0; i < 5; i++) await failSecondFactor(limits, `user-${run}`);
    expect((await secondFactorCheck(limits, `user-${run}`)).ok).toBe(false);
    const rate = { count: 1, perMs: 60_000 };
    expect(await limits.consume('send', 'k', rate)).toEqual({ ok: true });
    expect((await limits.consume('send', 'k', rate)).ok).toBe(false);
    expect(lines.filter((line) => line.level === 40)).toHaveLength(1);
  });
});

/** A TCP relay to Redis that can be cut and restored on the same port: an outage on demand. */
async function startTcpProxy(target: URL) {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  const start = () => new Promise<void>((resolve) => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (!server) return resolve();
    server.close(() => resolve());
    server = null;
  });
  await start();
  return { port, start, stop };
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
