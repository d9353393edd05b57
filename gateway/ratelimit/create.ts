import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Policy } from '../policy/schema.js';
import { chargeAttempt, chargeFailed, clearCount, refundAttempt, type Charge } from './ban.js';
import { LOGIN_BAN_SCOPES, type Limits, type LoginBanScope, type LoginCharge } from './limits.js';
import { createLimiterPool } from './pool.js';
import { connectRedis } from './redis-connection.js';
import { loginSpecs, rateSpec, secondFactorSpec } from './settings.js';

export interface CreateLimitsOptions {
  /** `redis://…` to share counts between instances (SECURITY L2); empty for in-process counters. */
  redisUrl: string;
  /** The live policy: its `rate_limits` are read on every call, so a reload applies at once. */
  policy: () => Policy;
  logger: Logger;
}

/**
 * The gateway's throttles on rate-limiter-flexible: Redis limiters with in-process insurance
 * when `redisUrl` is set (a Redis outage falls back to local counts, never to no limit, SECURITY
 * F1), in-process limiters otherwise. Keys live under `recourse:`.
 */
export async function createLimits(options: CreateLimitsOptions): Promise<Limits> {
  const redis = options.redisUrl ? await connectRedis(options.redisUrl, options.logger) : null;
  const pool = createLimiterPool(redis);

  const loginCounters = (email: string, ip: string) => {
    const specs = loginSpecs(options.policy());
    const account = accountKey(email);
    const keys: Record<LoginBanScope, string> = { user: `${account}|${ip}`, ip, account };
    return LOGIN_BAN_SCOPES.map((scope) => ({ scope, key: keys[scope], spec: specs[scope], limiter: pool.get(specs[scope]) }));
  };
  const secondFactor = () => {
    const spec = secondFactorSpec(options.policy());
    return { limiter: pool.get(spec), spec };
  };

  return {
    async chargeLogin(email, ip) {
      const counters = loginCounters(email, ip);
      const chargeAll = async () => {
        const charges = await Promise.all(counters.map((counter) => chargeAttempt(counter.limiter, counter.key, counter.spec.points)));
        if (charges.every((charge) => charge.ok)) return { ok: true as const, attempts: charges.map((charge) => (charge as { attempt: number }).attempt) };
        // Nothing is checked: the scopes that let it through get their charge back.
        await Promise.all(counters.map((counter, i) => (charges[i]!.ok ? refundAttempt(counter.limiter, counter.key) : undefined)));
        return { ok: false as const, refusal: longerRefusal(counters.map((counter, i) => [counter.scope, charges[i]!] as const)), banned: charges.some((charge) => !charge.ok && charge.banned) };
      };
      // Full but not banned: the maximum of checks is in flight (an office's sign-ins at nine, or
      // a burst). Each may still fail, so none more may start; this one waits for them to settle
      // instead of being refused, and is refused only by a ban or after the wait.
      let charged = await chargeAll();
      for (let wait = 0; !charged.ok && !charged.banned && wait < FULL_WAITS_MS.length; wait++) {
        await sleep(FULL_WAITS_MS[wait]!);
        charged = await chargeAll();
      }
      if (!charged.ok) return charged.refusal;
      const { attempts } = charged;
      return {
        ok: true,
        async failed() {
          const bans = await Promise.all(counters.map((counter, i) => chargeFailed(counter.limiter, counter.key, counter.spec, attempts[i]!)));
          const banned = bans.filter((ban) => ban.banned);
          return {
            banned: banned.length > 0,
            retryAfterMs: Math.max(0, ...banned.map((ban) => ban.retryAfterMs)),
            started: counters.filter((_, i) => bans[i]!.started).map((counter) => counter.scope),
            remaining: banned.length > 0 ? 0 : Math.min(...counters.map((counter, i) => counter.spec.points - attempts[i]!)),
          };
        },
        // The account at this address starts afresh; the looser counts (the address, the account
        // everywhere) only get this charge back, so one good password launders neither.
        async succeeded() {
          await Promise.all(counters.map((counter) => (counter.scope === 'user' ? clearCount(counter.limiter, counter.key) : refundAttempt(counter.limiter, counter.key))));
        },
        async refund() {
          await Promise.all(counters.map((counter) => refundAttempt(counter.limiter, counter.key)));
        },
      };
    },
    async chargeSecondFactor(userId) {
      const { limiter, spec } = secondFactor();
      const charge = await chargeAttempt(limiter, userId, spec.points);
      if (!charge.ok) return { ok: false, retryAfterMs: charge.retryAfterMs };
      return {
        ok: true,
        async failed() {
          const ban = await chargeFailed(limiter, userId, spec, charge.attempt);
          return ban.banned ? { ok: false, retryAfterMs: ban.retryAfterMs } : { ok: true };
        },
        succeeded: () => clearCount(limiter, userId),
        refund: () => refundAttempt(limiter, userId),
      };
    },
    async resetSecondFactor(userId) {
      await clearCount(secondFactor().limiter, userId);
    },
    async consume(purpose, key, rate) {
      try {
        await pool.get(rateSpec(purpose, rate)).consume(key);
        return { ok: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: Math.max(error.msBeforeNext, 0) };
        throw error;
      }
    },
    async close() {
      await redis?.close();
    },
  };
}

/**
 * How long a login waits, in steps, for a full count to make room: about 5 s in all, short steps
 * first, as a check in flight (one argon2id hash and a transaction) takes tens of milliseconds.
 */
const FULL_WAITS_MS = [10, 20, 40, 80, ...Array<number>(48).fill(100)];

/** Accounts are counted by email as typed, case-folded, whether or not the account exists. */
function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

/** The ban (or full count) to report when one or more scopes refused the attempt: the longest. */
function longerRefusal(charges: (readonly [LoginBanScope, Charge])[]): Extract<LoginCharge, { ok: false }> {
  let refusal: Extract<LoginCharge, { ok: false }> | null = null;
  for (const [scope, charge] of charges) {
    if (!charge.ok && (!refusal || charge.retryAfterMs > refusal.retryAfterMs)) refusal = { ok: false, scope, retryAfterMs: charge.retryAfterMs };
  }
  return refusal!;
}
