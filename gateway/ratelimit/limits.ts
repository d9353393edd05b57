import type { Rate } from '../core/duration.js';

export type LimitCheck = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Login regulation counts three keys: `user` is the account (lower-cased email) at one address,
 * `ip` the address for every account, `account` the account from every address.
 */
export type LoginBanScope = 'user' | 'ip' | 'account';
export const LOGIN_BAN_SCOPES: readonly LoginBanScope[] = ['user', 'account', 'ip'];

export interface LoginFailure {
  /** Whether the account or the IP is banned after this failure. */
  banned: boolean;
  /** How long the longer of the bans in force lasts; 0 when none is. */
  retryAfterMs: number;
  /** The scopes whose ban this very failure started (audit `login.locked` once for each). */
  started: LoginBanScope[];
  /** Failures still allowed before a ban, in the tightest count; 0 once banned. */
  remaining: number;
}

/**
 * An attempt charged before its check, and what to do with the charge once the check is done:
 * a failure keeps it (and may start a ban), a success gives it back.
 */
export interface Charged<Failure> {
  ok: true;
  failed(): Promise<Failure>;
  succeeded(): Promise<void>;
  /** The check never ran (the hash queue was full, storage failed): the charge is given back. */
  refund(): Promise<void>;
}

/** A refused login names the ban or limit in force (the longer one when both are). */
export type LoginRefusal = { ok: false; retryAfterMs: number; scope: LoginBanScope };

/** A login charged under what was typed, which may be charged under the account's one id too. */
export interface LoginCharged extends Charged<LoginFailure> {
  /**
   * Charges the account (`user` at this IP, and `account`) under its immutable id as well, once
   * what was typed has found it and before its password is verified: every name that reaches one
   * account (uid, mail, userPrincipalName…) then shares one budget. Refused with nothing verified
   * while that count is banned or full; a refusal gives back every charge of this attempt.
   * `failed`, `succeeded` and `refund` settle these charges with the others.
   */
  alsoAs(accountId: string): Promise<{ ok: true } | LoginRefusal>;
}

export type LoginCharge = LoginCharged | LoginRefusal;

export type SecondFactorCharge = Charged<LimitCheck> | { ok: false; retryAfterMs: number };

/**
 * Every throttle the gateway applies, behind one interface so Redis (shared by instances) and
 * in-process counters are interchangeable (SECURITY L1, L2). Each limit is charged before the
 * check it guards, atomically, so parallel attempts cannot all pass a read of the count.
 */
export interface Limits {
  /**
   * Login regulation: charges the account at this IP, the IP, and the account (email, whether it
   * exists or not). Refused, with nothing to verify, while any is banned or has its maximum of
   * checks counted already. A success clears the count of the account at this IP and gives the
   * others their charge back (one good password must not launder an IP or the account's count
   * elsewhere, nor do an office's good sign-ins count against its address). Once the account is
   * found, `alsoAs` charges it under its id too.
   */
  chargeLogin(email: string, ip: string): Promise<LoginCharge>;
  /**
   * Second-factor attempts per account, across sessions, IPs and factors (SECURITY L1: ≤ 100
   * consecutive failures). A failure's `ok: false` means the account is blocked from now on; a
   * success clears the count.
   */
  chargeSecondFactor(userId: string): Promise<SecondFactorCharge>;
  /** Lifts a second-factor block: an administrator's 2FA reset, or a new factor enrolled. */
  resetSecondFactor(userId: string): Promise<void>;
  /** A generic rate (`5/1h`) for one purpose and key: assistance per IP/email, email-code sends… */
  consume(purpose: string, key: string, rate: Rate): Promise<LimitCheck>;
  close(): Promise<void>;
}
