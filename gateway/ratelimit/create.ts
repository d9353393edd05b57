import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Policy } from '../policy/schema.js';
import { chargeAttempt, chargeFailed, clearCount, refundAttempt, type Charge } from './ban.js';
import type { Limits, LoginBanScope, LoginCharge } from './limits.js';
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
    async chargeLogin(email, ip) {
      const { user, ip: byIp } = loginCounters();
      const account = accountKey(email);
      const chargeBoth = async () => {
        const [userCharge, ipCharge] = await Promise.all([
          chargeAttempt(user.limiter, account, user.spec.points),
          chargeAttempt(byIp.limiter, ip, byIp.spec.points),
        ]);
        if (userCharge.ok && ipCharge.ok) return { ok: true as const, userCharge, ipCharge };
        // Nothing is checked: the scope that was let through gets its charge back.
        if (userCharge.ok) await refundAttempt(user.limiter, account);
        if (ipCharge.ok) await refundAttempt(byIp.limiter, ip);
        const banned = (charge: Charge) => !charge.ok && charge.banned;
        return { ok: false as const, refusal: longerRefusal({ user: userCharge, ip: ipCharge }), banned: banned(userCharge) || banned(ipCharge) };
      };
      // Full but not banned: max_retries checks are in flight (an office's sign-ins at nine, or a
      // burst). Each may still fail, so none more may start; this one waits for them to settle
      // instead of being refused, and is refused only by a ban or after the wait.
      let charged = await chargeBoth();
      for (let wait = 0; !charged.ok && !charged.banned && wait < FULL_WAITS_MS.length; wait++) {
        await sleep(FULL_WAITS_MS[wait]!);
        charged = await chargeBoth();
      }
      if (!charged.ok) return charged.refusal;
      const { userCharge, ipCharge } = charged;
      return {
        ok: true,
        async failed() {
          const [userBan, ipBan] = await Promise.all([
            chargeFailed(user.limiter, account, user.spec, userCharge.attempt),
            chargeFailed(byIp.limiter, ip, byIp.spec, ipCharge.attempt),
          ]);
          const started = (['user', 'ip'] as const).filter((scope) => (scope === 'user' ? userBan : ipBan).started);
          const banned = [userBan, ipBan].filter((ban) => ban.banned);
          return { banned: banned.length > 0, retryAfterMs: Math.max(0, ...banned.map((ban) => ban.retryAfterMs)), started };
        },
        async succeeded() {
          await Promise.all([clearCount(user.limiter, account), refundAttempt(byIp.limiter, ip)]);
        },
        async refund() {
          await Promise.all([refundAttempt(user.limiter, account), refundAttempt(byIp.limiter, ip)]);
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

/** The ban (or full count) to report when the account, the IP or both refused the attempt. */
function longerRefusal(charges: Record<LoginBanScope, Charge>): Extract<LoginCharge, { ok: false }> {
  const wait = (scope: LoginBanScope) => {
    const charge = charges[scope];
    return charge.ok ? -1 : charge.retryAfterMs;
  };
  const scope: LoginBanScope = wait('user') >= wait('ip') ? 'user' : 'ip';
  return { ok: false, scope, retryAfterMs: wait(scope) };
}
