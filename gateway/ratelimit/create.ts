import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Policy } from '../policy/schema.js';
import { clearCount, countFailure, readBan, type BanState } from './ban.js';
import type { LimitCheck, Limits, LoginBanScope, LoginCheck } from './limits.js';
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

  const loginCounters = () => {
    const specs = loginSpecs(options.policy());
    return { user: { limiter: pool.get(specs.user), spec: specs.user }, ip: { limiter: pool.get(specs.ip), spec: specs.ip } };
  };
  const secondFactor = () => {
    const spec = secondFactorSpec(options.policy());
    return { limiter: pool.get(spec), spec };
  };

  return {
    async loginAllowed(email, ip) {
      const { user, ip: byIp } = loginCounters();
      const [userBan, ipBan] = await Promise.all([readBan(user.limiter, accountKey(email)), readBan(byIp.limiter, ip)]);
      return longerBan({ user: userBan, ip: ipBan });
    },
    async loginFailed(email, ip) {
      const { user, ip: byIp } = loginCounters();
      const [userBan, ipBan] = await Promise.all([
        countFailure(user.limiter, accountKey(email), user.spec),
        countFailure(byIp.limiter, ip, byIp.spec),
      ]);
      const check = longerBan({ user: userBan, ip: ipBan });
      const started = (['user', 'ip'] as const).filter((scope) => (scope === 'user' ? userBan : ipBan).started);
      return { banned: !check.ok, retryAfterMs: check.ok ? 0 : check.retryAfterMs, started };
    },
    async loginSucceeded(email) {
      await clearCount(loginCounters().user.limiter, accountKey(email));
    },
    async secondFactorAllowed(userId) {
      return toCheck(await readBan(secondFactor().limiter, userId));
    },
    async secondFactorFailed(userId) {
      const { limiter, spec } = secondFactor();
      return toCheck(await countFailure(limiter, userId, spec));
    },
    async secondFactorSucceeded(userId) {
      await clearCount(secondFactor().limiter, userId);
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

/** Accounts are counted by email as typed, case-folded, whether or not the account exists. */
function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

function toCheck(state: BanState): LimitCheck {
  return state.banned ? { ok: false, retryAfterMs: state.retryAfterMs } : { ok: true };
}

function longerBan(bans: Record<LoginBanScope, BanState>): LoginCheck {
  const { user, ip } = bans;
  if (!user.banned && !ip.banned) return { ok: true };
  const scope: LoginBanScope = user.banned && (!ip.banned || user.retryAfterMs >= ip.retryAfterMs) ? 'user' : 'ip';
  return { ok: false, scope, retryAfterMs: bans[scope].retryAfterMs };
}
