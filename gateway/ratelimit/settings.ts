import type { Rate } from '../core/duration.js';
import type { Policy } from '../policy/schema.js';
import type { LoginBanScope } from './limits.js';

/** What one rate-limiter-flexible limiter is built from; `key` names the settings for caching. */
export interface LimiterSpec {
  key: string;
  keyPrefix: string;
  points: number;
  durationSec: number;
}

/** A counter that bans a key for `banSec` once `points` failures fall within `durationSec`. */
export interface BanSpec extends LimiterSpec {
  banSec: number;
}

export const KEY_PREFIX = 'recourse';

// NIST SP 800-63B §5.2.2 / SECURITY L1: no more than 100 consecutive failed attempts per account.
export const SECOND_FACTOR_MAX_FAILURES = 100;
/**
 * A second-factor count has no natural window: failures are "consecutive" until a success clears
 * them. One day bounds how long a count (and the block that ends it) lives, which caps an attacker
 * at 100 guesses per account per day; a success or an admin 2FA reset clears it sooner.
 */
export const SECOND_FACTOR_BLOCK_SEC = 24 * 60 * 60;

/** rate-limiter-flexible (and Redis `EX`) count whole seconds; never round a window down to none. */
export function toSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Login regulation's three counts: the account at this address (`user`, max_retries), the address
 * for every account (`ip`, looser) and the account from every address (`account`). The pair's
 * prefix is new (`login:pair`), so counts kept under the old account-only key are not read as it.
 */
export function loginSpecs(policy: Policy): Record<LoginBanScope, BanSpec> {
  const { max_retries, per_ip_max_retries, per_account_max_retries, find_time, ban_time } = policy.rate_limits.login;
  const spec = (scope: string, points: number): BanSpec => {
    const times = { durationSec: toSeconds(find_time), banSec: toSeconds(ban_time) };
    return { ...times, points, key: `login:${scope}:${points}/${times.durationSec}/${times.banSec}`, keyPrefix: `${KEY_PREFIX}:login:${scope}` };
  };
  return { user: spec('pair', max_retries), ip: spec('ip', per_ip_max_retries), account: spec('account', per_account_max_retries) };
}

export function secondFactorSpec(policy: Policy): BanSpec {
  const points = Math.min(policy.rate_limits.second_factor.max_failures, SECOND_FACTOR_MAX_FAILURES);
  return {
    key: `second_factor:${points}`, keyPrefix: `${KEY_PREFIX}:second_factor`,
    points, durationSec: SECOND_FACTOR_BLOCK_SEC, banSec: SECOND_FACTOR_BLOCK_SEC,
  };
}

/** Counts for one purpose share a prefix, so a changed rate keeps counting where the old one was. */
export function rateSpec(purpose: string, rate: Rate): LimiterSpec {
  const durationSec = toSeconds(rate.perMs);
  return { key: `rate:${purpose}:${rate.count}/${durationSec}`, keyPrefix: `${KEY_PREFIX}:rate:${purpose}`, points: rate.count, durationSec };
}
