/**
 * Login regulation's charge (SECURITY L1): counters for what was typed, and for the account's
 * immutable id once the account is found, each charged atomically before the password is
 * verified and settled together when the check is done.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { chargeAttempt, chargeFailed, clearCount, refundAttempt, type Charge } from './ban.js';
import { LOGIN_BAN_SCOPES, type LoginBanScope, type LoginCharge, type LoginCharged, type LoginRefusal } from './limits.js';
import type { LimiterPool } from './pool.js';
import type { BanSpec } from './settings.js';

interface LoginCounter {
  scope: LoginBanScope;
  key: string;
  spec: BanSpec;
  limiter: RateLimiterAbstract;
  /** Counts the account's id, not what was typed. */
  byId: boolean;
}

interface Held {
  counter: LoginCounter;
  /** This attempt's place in the counter's count. */
  attempt: number;
}

/**
 * How long a login waits, in steps, for a full count to make room: about 5 s in all, short steps
 * first, as a check in flight (one argon2id hash or a directory bind, and a transaction) takes
 * tens of milliseconds.
 */
const FULL_WAITS_MS = [10, 20, 40, 80, ...Array<number>(48).fill(100)];

/**
 * Charges the typed name (and the IP); the charge found accounts add their id to. Ids are counted
 * under prefixes of their own, so nothing typed can ever be read as an account's id.
 */
export async function chargeLoginAttempt(pool: LimiterPool, specs: Record<LoginBanScope, BanSpec>, typed: string, ip: string): Promise<LoginCharge> {
  const counter = (scope: LoginBanScope, key: string, spec: BanSpec, byId = false): LoginCounter => ({ scope, key, spec, limiter: pool.get(spec), byId });
  const account = accountKey(typed);
  const keys: Record<LoginBanScope, string> = { user: `${account}|${ip}`, ip, account };
  const charged = await chargeWaiting(LOGIN_BAN_SCOPES.map((scope) => counter(scope, keys[scope], specs[scope])));
  if (!charged.ok) return charged;
  const held = charged.held;

  const settle = (each: (held: Held) => Promise<unknown>) => Promise.all(held.map(each)).then(() => undefined);
  const charge: LoginCharged = {
    ok: true,
    async alsoAs(accountId) {
      const more = await chargeWaiting([
        counter('user', `${accountId}|${ip}`, byId(specs.user), true),
        counter('account', accountId, byId(specs.account), true),
      ]);
      if (!more.ok) {
        await charge.refund();
        return more;
      }
      held.push(...more.held);
      return { ok: true };
    },
    async failed() {
      const bans = await Promise.all(held.map(({ counter: c, attempt }) => chargeFailed(c.limiter, c.key, c.spec, attempt)));
      const banned = bans.filter((ban) => ban.banned);
      const found = held.some(({ counter: c }) => c.byId);
      return {
        banned: banned.length > 0,
        retryAfterMs: Math.max(0, ...banned.map((ban) => ban.retryAfterMs)),
        // Once the account is found its id's counts say when an account's ban starts: each count is
        // numbered atomically, so exactly one attempt starts it. The typed name's count is numbered
        // apart (parallel attempts reach the id's in another order) and, for a found account, never
        // runs ahead of the id's; reporting both would audit one ban twice.
        started: [...new Set(held.filter(({ counter: c }, i) => bans[i]!.started && (c.byId || !found || c.scope === 'ip')).map(({ counter: c }) => c.scope))],
        remaining: banned.length > 0 ? 0 : Math.min(...held.map(({ counter: c, attempt }) => c.spec.points - attempt)),
      };
    },
    // The account at this address starts afresh; the looser counts (the address, the account
    // everywhere) only get this charge back, so one good password launders neither.
    succeeded: () => settle(({ counter: c }) => (c.scope === 'user' ? clearCount(c.limiter, c.key) : refundAttempt(c.limiter, c.key))),
    refund: () => settle(({ counter: c }) => refundAttempt(c.limiter, c.key)),
  };
  return charge;
}

/**
 * Charges every counter at once. Full but not banned means the maximum of checks is in flight
 * (an office's sign-ins at nine, or a burst): each may still fail, so none more may start; this
 * attempt waits for them to settle instead of being refused, and is refused only by a ban or
 * after the wait.
 */
async function chargeWaiting(counters: LoginCounter[]): Promise<{ ok: true; held: Held[] } | LoginRefusal> {
  let charged = await chargeAll(counters);
  for (let wait = 0; !charged.ok && !charged.banned && wait < FULL_WAITS_MS.length; wait++) {
    await sleep(FULL_WAITS_MS[wait]!);
    charged = await chargeAll(counters);
  }
  return charged.ok ? charged : charged.refusal;
}

async function chargeAll(counters: LoginCounter[]) {
  const charges = await Promise.all(counters.map((c) => chargeAttempt(c.limiter, c.key, c.spec.points)));
  if (charges.every((charge) => charge.ok)) {
    return { ok: true as const, held: counters.map((counter, i) => ({ counter, attempt: (charges[i] as { attempt: number }).attempt })) };
  }
  // Nothing is checked: the counters that let it through get their charge back.
  await Promise.all(counters.map((c, i) => (charges[i]!.ok ? refundAttempt(c.limiter, c.key) : undefined)));
  return {
    ok: false as const,
    refusal: longerRefusal(counters.map((c, i) => [c.scope, charges[i]!] as const)),
    banned: charges.some((charge) => !charge.ok && charge.banned),
  };
}

/** An account's id is counted apart from names typed: the same limits, a prefix of its own. */
function byId(spec: BanSpec): BanSpec {
  return { ...spec, key: `${spec.key}:id`, keyPrefix: `${spec.keyPrefix}:id` };
}

/** What was typed is counted case-folded, whether or not an account has it. */
function accountKey(typed: string): string {
  return typed.trim().toLowerCase();
}

/** The ban (or full count) to report when one or more scopes refused the attempt: the longest. */
function longerRefusal(charges: (readonly [LoginBanScope, Charge])[]): LoginRefusal {
  let refusal: LoginRefusal | null = null;
  for (const [scope, charge] of charges) {
    if (!charge.ok && (!refusal || charge.retryAfterMs > refusal.retryAfterMs)) refusal = { ok: false, scope, retryAfterMs: charge.retryAfterMs };
  }
  return refusal!;
}
