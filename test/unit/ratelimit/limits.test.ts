// Login regulation and second-factor throttling on in-process counters (SECURITY L1): the ban
// rules an online guesser runs into, with the policy's values shrunk to seconds. Every attempt is
// charged before its check and settled after it; the helpers below do both for one attempt, and
// the last block fires charges in parallel, as a burst of requests would.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/core/logger.js';
import { policySchema, type Policy } from '../../../gateway/policy/schema.js';
import { createLimits } from '../../../gateway/ratelimit/create.js';
import type { Limits } from '../../../gateway/ratelimit/limits.js';
import { failLogin, failSecondFactor, loginCheck, secondFactorCheck, succeedLogin, succeedSecondFactor } from '../../support/limits.js';

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
  it('max_retries failures ban the account at that address; the ban is reported once; the last try is announced', async () => {
    const limits = await limitsWith(LOGIN);
    expect(await failLogin(limits, 'ann@example.com', '10.0.0.1')).toEqual({ banned: false, retryAfterMs: 0, started: [], remaining: 2 });
    expect(await failLogin(limits, 'ann@example.com', '10.0.0.1')).toMatchObject({ banned: false, started: [], remaining: 1 });
    expect(await loginCheck(limits, 'ann@example.com', '10.0.0.1')).toEqual({ ok: true });
    const third = await failLogin(limits, 'ann@example.com', '10.0.0.1');
    expect(third).toMatchObject({ banned: true, started: ['user'], remaining: 0 });
    expect(third.retryAfterMs).toBeGreaterThan(0);
    expect(third.retryAfterMs).toBeLessThanOrEqual(1_000);
    // Banned: refused before any check, however often it is asked.
    for (let i = 0; i < 5; i++) expect(await loginCheck(limits, 'ann@example.com', '10.0.0.1')).toMatchObject({ ok: false, scope: 'user' });
  });

  it('one person\'s typos spare the others behind the same address, and the same account elsewhere', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 3; i++) await failLogin(limits, 'Ann@Example.com', '10.0.1.1');
    expect(await loginCheck(limits, ' ANN@example.com', '10.0.1.1')).toMatchObject({ ok: false, scope: 'user' });
    expect(await loginCheck(limits, 'bob@example.com', '10.0.1.1')).toEqual({ ok: true });
    expect(await loginCheck(limits, 'ann@example.com', '10.0.1.2')).toEqual({ ok: true });
  });

  it('the looser per-address cap bans the address for every email', async () => {
    const limits = await limitsWith({ login: { ...LOGIN.login, per_ip_max_retries: 5 } });
    for (let i = 0; i < 4; i++) expect(await failLogin(limits, `user${i}@example.com`, '10.0.2.1')).toMatchObject({ banned: false });
    expect(await failLogin(limits, 'c@example.com', '10.0.2.1')).toMatchObject({ banned: true, started: ['ip'] });
    expect(await loginCheck(limits, 'someone-new@example.com', '10.0.2.1')).toMatchObject({ ok: false, scope: 'ip' });
    expect(await loginCheck(limits, 'a@example.com', '10.0.2.2')).toEqual({ ok: true });
  });

  it('the per-account cap follows the case-folded email to every address', async () => {
    const limits = await limitsWith({ login: { ...LOGIN.login, per_account_max_retries: 4 } });
    for (let i = 0; i < 3; i++) expect(await failLogin(limits, i % 2 ? 'Ann@example.com' : 'ann@example.com', `10.0.9.${i}`)).toMatchObject({ banned: false });
    expect(await failLogin(limits, 'ann@example.com', '10.0.9.7')).toMatchObject({ banned: true, started: ['account'] });
    expect(await loginCheck(limits, 'ann@example.com', '10.0.9.8')).toMatchObject({ ok: false, scope: 'account' });
    expect(await loginCheck(limits, 'bob@example.com', '10.0.9.8')).toEqual({ ok: true });
  });

  it('a refunded charge counts nothing', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 10; i++) expect(await loginCheck(limits, 'ann@example.com', '10.0.3.1')).toEqual({ ok: true });
    await failLogin(limits, 'ann@example.com', '10.0.3.1');
    expect(await failLogin(limits, 'ann@example.com', '10.0.3.1')).toMatchObject({ banned: false });
  });

  it('a success clears the count of the account at that address; the address and the account elsewhere get the charge back', async () => {
    const limits = await limitsWith({ login: { ...LOGIN.login, per_ip_max_retries: 3, per_account_max_retries: 4 } });
    await failLogin(limits, 'ann@example.com', '10.0.4.1');
    await failLogin(limits, 'ann@example.com', '10.0.4.1');
    await succeedLogin(limits, 'ann@example.com', '10.0.4.1');
    // The account's two failures still count everywhere: two more elsewhere reach its cap of four...
    await failLogin(limits, 'ann@example.com', '10.0.4.2');
    expect(await failLogin(limits, 'ann@example.com', '10.0.4.3')).toMatchObject({ banned: true, started: ['account'] });
    // ...and the address still holds its two failures, and nothing for the success.
    expect(await failLogin(limits, 'other@example.com', '10.0.4.1')).toMatchObject({ banned: true, started: ['ip'] });
  });

  it('good sign-ins never count against an address', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 10; i++) await succeedLogin(limits, `user${i}@example.com`, '10.0.8.1');
    await failLogin(limits, 'a@example.com', '10.0.8.1');
    expect(await failLogin(limits, 'b@example.com', '10.0.8.1')).toMatchObject({ banned: false });
  });

  it('a ban ends after ban_time, and failures older than find_time are forgotten', async () => {
    const limits = await limitsWith({ login: { max_retries: 3, find_time: '1s', ban_time: '1s' } });
    for (let i = 0; i < 3; i++) await failLogin(limits, 'ann@example.com', '10.0.5.1');
    expect((await loginCheck(limits, 'ann@example.com', '10.0.5.1')).ok).toBe(false);
    await failLogin(limits, 'bob@example.com', '10.0.5.2');
    await failLogin(limits, 'bob@example.com', '10.0.5.2');
    await sleep(1_200);
    expect(await loginCheck(limits, 'ann@example.com', '10.0.5.1')).toEqual({ ok: true });
    expect(await failLogin(limits, 'bob@example.com', '10.0.5.2')).toMatchObject({ banned: false });
  });

  it('follows the live policy and keeps the counts across a change', async () => {
    const holder = { policy: policyOf({ login: { max_retries: 5, find_time: '1m', ban_time: '1m' } }) };
    const limits = await limitsWith({}, holder);
    for (let i = 0; i < 2; i++) expect(await failLogin(limits, 'ann@example.com', '10.0.6.1')).toMatchObject({ banned: false });
    holder.policy = policyOf({ login: { max_retries: 3, find_time: '1m', ban_time: '5m' } });
    const next = await failLogin(limits, 'ann@example.com', '10.0.6.1');
    expect(next).toMatchObject({ banned: true, started: ['user'] });
    // The new ban_time applies: more than the old minute.
    expect(next.retryAfterMs).toBeGreaterThan(60_000);
  });

});

describe('second factor', () => {
  it('blocks the account at max_failures, across any caller, until a success', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 1; i < 5; i++) expect(await failSecondFactor(limits, 'user-1')).toEqual({ ok: true });
    expect(await secondFactorCheck(limits, 'user-1')).toEqual({ ok: true });
    expect((await failSecondFactor(limits, 'user-1')).ok).toBe(false);
    const blocked = await secondFactorCheck(limits, 'user-1');
    expect(blocked.ok).toBe(false);
    if (!blocked.ok && 'retryAfterMs' in blocked) expect(blocked.retryAfterMs).toBeGreaterThan(60 * 60_000);
    expect(await secondFactorCheck(limits, 'user-2')).toEqual({ ok: true });
    await limits.resetSecondFactor('user-1');
    expect(await secondFactorCheck(limits, 'user-1')).toEqual({ ok: true });
  });

  it('a success clears the count, so only consecutive failures add up', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 4; i++) await failSecondFactor(limits, 'user-3');
    await succeedSecondFactor(limits, 'user-3');
    for (let i = 0; i < 4; i++) expect(await failSecondFactor(limits, 'user-3')).toEqual({ ok: true });
  });

  it('an admin reset lifts the block', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 5; i++) await failSecondFactor(limits, 'user-4');
    expect((await secondFactorCheck(limits, 'user-4')).ok).toBe(false);
    await limits.resetSecondFactor('user-4');
    expect(await secondFactorCheck(limits, 'user-4')).toEqual({ ok: true });
  });

  it('never allows more than 100 consecutive failures, whatever the policy says', async () => {
    const limits = await limitsWith({ second_factor: { max_failures: 1_000 } });
    for (let i = 1; i < 100; i++) expect((await failSecondFactor(limits, 'user-5')).ok).toBe(true);
    expect((await failSecondFactor(limits, 'user-5')).ok).toBe(false);
    expect((await secondFactorCheck(limits, 'user-5')).ok).toBe(false);
  });
});

describe('one account under several names', () => {
  // A directory user reached by uid and by mail: each spelling is counted, and the account's id too.
  async function failAs(limits: Limits, typed: string, accountId: string, ip: string) {
    const charge = await limits.chargeLogin(typed, ip);
    if (!charge.ok) return charge;
    const admitted = await charge.alsoAs(accountId);
    if (!admitted.ok) return admitted;
    return charge.failed();
  }

  it('shares one budget: alternating names get max_retries checks, then the id\'s ban refuses every name', async () => {
    const limits = await limitsWith(LOGIN);
    expect(await failAs(limits, 'ann', 'entry:1', '10.0.8.1')).toMatchObject({ banned: false, remaining: 2 });
    expect(await failAs(limits, 'ann@example.com', 'entry:1', '10.0.8.1')).toMatchObject({ banned: false, remaining: 1 });
    expect(await failAs(limits, 'ANN', 'entry:1', '10.0.8.1')).toMatchObject({ banned: true, started: ['user'] });
    expect(await failAs(limits, 'ann.other@example.com', 'entry:1', '10.0.8.1')).toMatchObject({ ok: false, scope: 'user' });
    // Refused at the id: the typed name's charge was given back (that spelling has its tries left).
    expect(await loginCheck(limits, 'ann.other@example.com', '10.0.8.1')).toEqual({ ok: true });
  });

  it('a ban the typed name and the id reach in different attempts is reported once, by the id', async () => {
    // Parallel sign-ins reach the id's count in another order than the typed name's (the account
    // is looked up in between): here the first to charge the name is the last to charge the id.
    const limits = await limitsWith(LOGIN);
    const charges = [];
    for (let i = 0; i < 3; i++) {
      const charge = await limits.chargeLogin('ann', '10.0.8.3');
      if (!charge.ok) throw new Error('refused');
      charges.push(charge);
    }
    for (const charge of [...charges].reverse()) expect(await charge.alsoAs('entry:3')).toEqual({ ok: true });
    const started = [];
    for (const charge of charges) started.push(...(await charge.failed()).started);
    expect(started).toEqual(['user']);
  });

  it('what is typed is never read as an id', async () => {
    const limits = await limitsWith(LOGIN);
    for (let i = 0; i < 3; i++) await failAs(limits, `name${i}`, 'entry:2', '10.0.8.2');
    expect(await loginCheck(limits, 'entry:2', '10.0.8.2')).toEqual({ ok: true });
  });
});

describe('charges in parallel', () => {
  it('let exactly max_failures second-factor checks through; the failure in the last place starts the block', async () => {
    const limits = await limitsWith(LOGIN);
    const charges = await Promise.all(Array.from({ length: 200 }, () => limits.chargeSecondFactor('user-6')));
    const through = charges.filter((charge) => charge.ok);
    expect(through).toHaveLength(5);
    const settled = await Promise.all(through.map((charge) => charge.failed()));
    expect(settled.filter((check) => !check.ok)).toHaveLength(1);
    expect((await secondFactorCheck(limits, 'user-6')).ok).toBe(false);
  });

  it('let max_retries login checks through at a time; once they fail, the ban refuses the rest unchecked', async () => {
    const limits = await limitsWith(LOGIN);
    let checked = 0;
    const outcomes = await Promise.all(Array.from({ length: 60 }, async () => {
      const charge = await limits.chargeLogin('ann@example.com', '10.0.9.1');
      if (!charge.ok) return charge;
      checked++;
      return charge.failed();
    }));
    expect(checked).toBe(3);
    expect(outcomes.flatMap((outcome) => 'started' in outcome ? outcome.started : []).sort()).toEqual(['user']);
    expect(outcomes.filter((outcome) => 'scope' in outcome)).toHaveLength(57);
  });

  it('good sign-ins past max_retries wait their turn instead of being refused', async () => {
    const limits = await limitsWith(LOGIN);
    const outcomes = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const charge = await limits.chargeLogin(i % 2 ? 'ann@example.com' : `user${i}@example.com`, '10.0.9.3');
      if (!charge.ok) return 'refused';
      await charge.succeeded();
      return 'signed in';
    }));
    expect(outcomes.every((outcome) => outcome === 'signed in')).toBe(true);
    // Nothing counted: the address still has all its tries.
    for (let i = 0; i < 2; i++) expect(await failLogin(limits, 'x@example.com', '10.0.9.3')).toMatchObject({ banned: false });
  });

  it('a refund after a clear does not buy an extra attempt', async () => {
    const limits = await limitsWith(LOGIN);
    const first = await limits.chargeSecondFactor('user-7');
    const second = await limits.chargeSecondFactor('user-7');
    if (!first.ok || !second.ok) throw new Error('refused');
    await first.succeeded();
    await second.refund();
    // The count is zero, not minus one: five tries, not six.
    for (let i = 1; i < 5; i++) expect(await failSecondFactor(limits, 'user-7')).toEqual({ ok: true });
    expect((await failSecondFactor(limits, 'user-7')).ok).toBe(false);
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

  it('allows exactly count of many parallel calls', async () => {
    const limits = await limitsWith(LOGIN);
    const answers = await Promise.all(Array.from({ length: 100 }, () => limits.consume('send', 'burst', { count: 7, perMs: 60_000 })));
    expect(answers.filter((answer) => answer.ok)).toHaveLength(7);
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
