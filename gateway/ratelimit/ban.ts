import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A charged attempt (its place in the count), or a refusal with how long it lasts. */
export type Charge = { ok: true; attempt: number } | { ok: false; banned: boolean; retryAfterMs: number };

export interface BanState {
  banned: boolean;
  retryAfterMs: number;
}

/**
 * A ban is the key set to this mark with the ban's expiry, so a read tells a ban from a count
 * whatever the policy says today, and a ban ends by expiring (or by a reset deleting the key).
 * No count gets near it: a million attempts inside one window. Anything from half the mark up
 * reads as a ban, so a refund that lands on a ban leaves it one.
 */
const BANNED = 1_000_000;
const isBan = (points: number) => points >= BANNED / 2;

/**
 * Charges one attempt before the check it limits (Authelia's regulation, made atomic): the count
 * is incremented and read in one step (rate-limiter-flexible's consume: one Map update in
 * process, one Lua script in Redis), so N parallel attempts get places 1…N and at most `points`
 * of them are let through to be checked. A charge past `points` is refused and given back, so
 * the count stays "failures plus checks in flight"; a charge on a ban is refused.
 */
export async function chargeAttempt(limiter: RateLimiterAbstract, key: string, points: number): Promise<Charge> {
  const res = await consumeOne(limiter, key);
  if (isBan(res.consumedPoints)) return { ok: false, banned: true, retryAfterMs: remaining(res) };
  if (res.consumedPoints > points) {
    await refundAttempt(limiter, key);
    return { ok: false, banned: false, retryAfterMs: remaining(res) };
  }
  return { ok: true, attempt: res.consumedPoints };
}

/**
 * A charged attempt failed: its charge stays counted, and the attempt that took the count to
 * `points` starts the ban. `started` is true for the one call that began it (audited once).
 */
export async function chargeFailed(
  limiter: RateLimiterAbstract,
  key: string,
  threshold: { points: number; banSec: number },
  attempt: number,
): Promise<BanState & { started: boolean }> {
  if (attempt < threshold.points) return { banned: false, started: false, retryAfterMs: 0 };
  // Marked by an increment, so that of two attempts both reaching the limit (a refund in between
  // can give two the same place) exactly one sees the key unbanned before it, and starts the ban.
  const marked = await limiter.penalty(key, BANNED);
  if (isBan(marked.consumedPoints - BANNED)) return { banned: true, started: false, retryAfterMs: remaining(marked) };
  const ban = await limiter.set(key, BANNED, threshold.banSec);
  return { banned: true, started: true, retryAfterMs: remaining(ban) };
}

/**
 * Gives one charge back. A clear (a success, an admin reset) may already have removed it: a count
 * taken below zero is raised back by as much, so whatever the interleaving it never ends below
 * the attempts it holds, and no refund buys a free attempt.
 */
export async function refundAttempt(limiter: RateLimiterAbstract, key: string): Promise<void> {
  const res = await limiter.reward(key, 1);
  if (res.consumedPoints < 0) await limiter.penalty(key, -res.consumedPoints);
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
