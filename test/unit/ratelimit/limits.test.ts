// Login regulation and second-factor throttling on in-process counters (SECURITY L1): the ban
// rules an online guesser runs into, with the policy's values shrunk to seconds.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/core/logger.js';
import { policySchema, type Policy } from '../../../gateway/policy/schema.js';
import { createLimits } from '../../../gateway/ratelimit/create.js';
import type { Limits } from '../../../gateway/ratelimit/limits.js';

const logger = createLogger('silent');
const open: Limits[] = [];
afterEach(async () => {
  for (const limits of open.splice(0)) await limits.close();
});

function policyOf(rateLimits: Record<string, unknown>): Policy {
  return policySchema.parse({ rate_limits: rateLimits });
}

async function limitsWith(rateLimits: Record<string, unknown>, holder?: { policy: Policy }): Promise<Limits> {
  const state = holder ?? { policy: policyOf(rateLimits) };
  const limits = await createLimits({ redisUrl: '', policy: () => state.policy, logger });
  open.push(limits);
  return limits;
}

const LOGIN = { login: { max_retries: 3, find_time: '1m', ban_time: '1s' }, second_factor: { max_failures: 5 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('login regulation', () => {
  it('max_retries failures ban the account and the IP; the ban is reported once', async () => {
    const limits = await limitsWith(LOGIN);
    expect(await limits.loginFailed('ann@example.com', '10.0.0.1')).toEqual({ banned: false, retryAfterMs: 0, started: [] });
    expect(await limits.loginFailed('ann@example.com', '10.0.0.1')).toMatchObject({ banned: false, started: [] });
    expect(await limits.loginAllowed('ann@example.com', '10.0.0.1')).toEqual({ ok: true });
    const third = await limits.loginFailed('ann@example.com', '10.0.0.1');
    expect(third).toMatchObject({ banned: true, started: ['user', 'ip'] });
    expect(third.retryAfterMs).toBeGreaterThan(0);
    expect(third.retryAfterMs).toBeLessThanOrEqual(1_000);
    const check = await limits.loginAllowed('ann@example.com', '10.0.0.1');
    expect(check.ok).toBe(false);
    expect(await limits.loginFailed('ann@example.com', '10.0.0.1')).toMatchObject({ banned: true, started: [] });
  });

  it('the account ban follows the case-folded email to every IP, and spares other accounts', async () => {
    const limits = await limitsWith(LOGIN);
    await limits.loginFailed('Ann@Example.com', '10.0.1.1');
    await limits.loginFailed('ann@example.com', '10.0.1.2');
    expect(await limits.loginFailed(' ANN@example.com', '10.0.1.3')).toMatchObject({ banned: true, started: ['user'] });
    expect(await limits.loginAllowed('ann@example.com', '10.0.1.4')).toMatchObject({ ok: false, scope: 'user' });
    expect(await limits.loginAllowed('bob@example.com', '10.0.1.1')).toEqual({ ok: true });
  });

  it('the IP ban covers every email, known or not, and spares other IPs', async () => {
    const limits = await limitsWith(LOGIN);
    await limits.loginFailed('a@example.com', '10.0.2.1');
    await limits.loginFailed('b@example.com', '10.0.2.1');
    expect(await limits.loginFailed('c@example.com', '10.0.2.1')).toMatchObject({ banned: true, started: ['ip'] });
    expect(await limits.loginAllowed('someone-new@example.com', '10.0.2.1')).toMatchObject({ ok: false, scope: 'ip' });
    expect(await limits.loginAllowed('a@example.com', '10.0.2.2')).toEqual({ ok: true });
  });

  it('checking consumes nothing', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 10; i++) expect(await limits.loginAllowed('ann@example.com', '10.0.3.1')).toEqual({ ok: true });
    await limits.loginFailed('ann@example.com', '10.0.3.1');
    expect(await limits.loginFailed('ann@example.com', '10.0.3.1')).toMatchObject({ banned: false });
  });

  it('a success clears the account count, not the IP count', async () => {
    const limits = await limitsWith(LOGIN);
    await limits.loginFailed('ann@example.com', '10.0.4.1');
    await limits.loginFailed('ann@example.com', '10.0.4.1');
    await limits.loginSucceeded('ann@example.com', '10.0.4.1');
    // The account starts again from zero on a fresh IP...
    await limits.loginFailed('ann@example.com', '10.0.4.2');
    expect(await limits.loginFailed('ann@example.com', '10.0.4.3')).toMatchObject({ banned: false });
    // ...while the IP still holds its two failures.
    expect(await limits.loginFailed('other@example.com', '10.0.4.1')).toMatchObject({ banned: true, started: ['ip'] });
  });

  it('a ban ends after ban_time, and failures older than find_time are forgotten', async () => {
    const limits = await limitsWith({ login: { max_retries: 3, find_time: '1s', ban_time: '1s' } });
    for (let i = 0; i < 3; i++) await limits.loginFailed('ann@example.com', '10.0.5.1');
    expect((await limits.loginAllowed('ann@example.com', '10.0.5.1')).ok).toBe(false);
    await limits.loginFailed('bob@example.com', '10.0.5.2');
    await limits.loginFailed('bob@example.com', '10.0.5.2');
    await sleep(1_200);
    expect(await limits.loginAllowed('ann@example.com', '10.0.5.1')).toEqual({ ok: true });
    expect(await limits.loginFailed('bob@example.com', '10.0.5.2')).toMatchObject({ banned: false });
  });

  it('follows the live policy and keeps the counts across a change', async () => {
    const holder = { policy: policyOf({ login: { max_retries: 5, find_time: '1m', ban_time: '1m' } }) };
    const limits = await limitsWith({}, holder);
    for (let i = 0; i < 3; i++) expect(await limits.loginFailed('ann@example.com', `10.0.6.${i}`)).toMatchObject({ banned: false });
    holder.policy = policyOf({ login: { max_retries: 3, find_time: '1m', ban_time: '5m' } });
    const next = await limits.loginFailed('ann@example.com', '10.0.6.9');
    expect(next).toMatchObject({ banned: true, started: ['user'] });
    // The new ban_time applies: more than the old minute.
    expect(next.retryAfterMs).toBeGreaterThan(60_000);
  });
});

describe('second factor', () => {
  it('blocks the account at max_failures, across any caller, until a success', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 1; i < 5; i++) expect(await limits.secondFactorFailed('user-1')).toEqual({ ok: true });
    expect(await limits.secondFactorAllowed('user-1')).toEqual({ ok: true });
    expect((await limits.secondFactorFailed('user-1')).ok).toBe(false);
    const blocked = await limits.secondFactorAllowed('user-1');
    expect(blocked.ok).toBe(false);
    if (!blocked.ok) expect(blocked.retryAfterMs).toBeGreaterThan(60 * 60_000);
    expect(await limits.secondFactorAllowed('user-2')).toEqual({ ok: true });
    await limits.secondFactorSucceeded('user-1');
    expect(await limits.secondFactorAllowed('user-1')).toEqual({ ok: true });
  });

  it('a success clears the count, so only consecutive failures add up', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 4; i++) await limits.secondFactorFailed('user-3');
    await limits.secondFactorSucceeded('user-3');
    for (let i = 0; i < 4; i++) expect(await limits.secondFactorFailed('user-3')).toEqual({ ok: true });
  });

  it('an admin reset lifts the block', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 5; i++) await limits.secondFactorFailed('user-4');
    expect((await limits.secondFactorAllowed('user-4')).ok).toBe(false);
    await limits.resetSecondFactor('user-4');
    expect(await limits.secondFactorAllowed('user-4')).toEqual({ ok: true });
  });

  it('never allows more than 100 consecutive failures, whatever the policy says', async () => {
    const limits = await limitsWith({ second_factor: { max_failures: 1_000 } });
    for (let i = 1; i < 100; i++) expect((await limits.secondFactorFailed('user-5')).ok).toBe(true);
    expect((await limits.secondFactorFailed('user-5')).ok).toBe(false);
    expect((await limits.secondFactorAllowed('user-5')).ok).toBe(false);
  });
});

describe('consume', () => {
  it('allows count per window for each purpose and key, then refuses with a wait', async () => {
    const limits = await limitsWith(LOGIN);
    const rate = { count: 2, perMs: 60_000 };
    expect(await limits.consume('assist_ip', '10.0.7.1', rate)).toEqual({ ok: true });
    expect(await limits.consume('assist_ip', '10.0.7.1', rate)).toEqual({ ok: true });
    const third = await limits.consume('assist_ip', '10.0.7.1', rate);
    expect(third.ok).toBe(false);
    if (!third.ok) {
      expect(third.retryAfterMs).toBeGreaterThan(0);
      expect(third.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(await limits.consume('assist_ip', '10.0.7.2', rate)).toEqual({ ok: true });
    expect(await limits.consume('assist_email', '10.0.7.1', rate)).toEqual({ ok: true });
  });

  it('a window ends', async () => {
    const limits = await limitsWith(LOGIN);
    expect(await limits.consume('send', 'k', { count: 1, perMs: 1_000 })).toEqual({ ok: true });
    expect((await limits.consume('send', 'k', { count: 1, perMs: 1_000 })).ok).toBe(false);
    await sleep(1_200);
    expect(await limits.consume('send', 'k', { count: 1, perMs: 1_000 })).toEqual({ ok: true });
  });

  it('a changed rate keeps counting where the old one was', async () => {
    const limits = await limitsWith(LOGIN);
    const before = { count: 2, perMs: 60_000 };
    await limits.consume('send', 'k', before);
    await limits.consume('send', 'k', before);
    expect((await limits.consume('send', 'k', before)).ok).toBe(false);
    // Three attempts counted (the refused one too); a rate of 4 has one left, not four.
    const after = { count: 4, perMs: 60_000 };
    expect(await limits.consume('send', 'k', after)).toEqual({ ok: true });
    expect((await limits.consume('send', 'k', after)).ok).toBe(false);
  });
});
