import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Policy } from '../policy/schema.js';
import { chargeAttempt, chargeFailed, clearCount, refundAttempt } from './ban.js';
import type { Limits } from './limits.js';
import { chargeLoginAttempt } from './login-charge.js';
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

  const secondFactor = () => {
    const spec = secondFactorSpec(options.policy());
    return { limiter: pool.get(spec), spec };
  };

  return {
    chargeLogin(email, ip) {
      return chargeLoginAttempt(pool, loginSpecs(options.policy()), email, ip);
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
