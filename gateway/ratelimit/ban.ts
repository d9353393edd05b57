import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface BanState {
  banned: boolean;
  retryAfterMs: number;
}

/**
 * A ban is the key set to this mark with the ban's expiry, so a read tells a ban from a count
 * whatever the policy says today, and a ban ends by expiring (or by a reset deleting the key).
 * No count gets near it: a million failures inside one window.
 */
const BANNED = 1_000_000;

/**
 * Fail2ban-style counting (Authelia's regulation): `points` failures within the limiter's
 * duration, a fixed window from the first failure, ban the key for `banSec`.
 */
export async function readBan(limiter: RateLimiterAbstract, key: string): Promise<BanState> {
  const res = await limiter.get(key);
  if (!res || res.consumedPoints < BANNED) return { banned: false, retryAfterMs: 0 };
  return { banned: true, retryAfterMs: remaining(res) };
}

/** Counts one failure; `started` is true for the failure that began the ban. */
export async function countFailure(
  limiter: RateLimiterAbstract,
  key: string,
  threshold: { points: number; banSec: number },
): Promise<BanState & { started: boolean }> {
  const res = await consumeOne(limiter, key);
  if (res.consumedPoints > BANNED) return { banned: true, started: false, retryAfterMs: remaining(res) };
  if (res.consumedPoints < threshold.points) return { banned: false, started: false, retryAfterMs: 0 };
  // At or past the threshold (past it when a policy reload lowered max_retries): the ban begins.
  const ban = await limiter.set(key, BANNED, threshold.banSec);
  return { banned: true, started: true, retryAfterMs: remaining(ban) };
}

export async function clearCount(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.delete(key);
}

/** rate-limiter-flexible rejects with the same result shape once a key is past its points. */
async function consumeOne(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) return error;
    throw error;
  }
}

/** A ban always has an expiry; should one read as none (-1), still say "a second", not "now". */
function remaining(res: RateLimiterRes): number {
  return res.msBeforeNext > 0 ? res.msBeforeNext : 1_000;
}
