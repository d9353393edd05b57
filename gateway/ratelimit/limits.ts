import type { Rate } from '../core/duration.js';

export type LimitCheck = { ok: true } | { ok: false; retryAfterMs: number };

/** Login regulation bans an account (lower-cased email) and an IP independently. */
export type LoginBanScope = 'user' | 'ip';

/** A refused login check also names the ban in force (the longer one when both are). */
export type LoginCheck = { ok: true } | { ok: false; retryAfterMs: number; scope: LoginBanScope };

export interface LoginFailure {
  /** Whether the account or the IP is banned after this failure. */
  banned: boolean;
  /** How long the longer of the bans in force lasts; 0 when none is. */
  retryAfterMs: number;
  /** The scopes whose ban this very failure started (audit `login.locked` once for each). */
  started: LoginBanScope[];
}

/**
 * Every throttle the gateway applies, behind one interface so Redis (shared by instances) and
 * in-process counters are interchangeable (SECURITY L1, L2).
 */
export interface Limits {
  /** Login regulation: is this account or this IP banned right now? Consumes nothing. */
  loginAllowed(email: string, ip: string): Promise<LoginCheck>;
  /** Counts a failed password against the account and the IP; answers whether it started a ban. */
  loginFailed(email: string, ip: string): Promise<LoginFailure>;
  /** Clears the account's count (not the IP's: one good password must not launder an IP). */
  loginSucceeded(email: string, ip: string): Promise<void>;
  /** Second-factor failures per account, across sessions, IPs and factors (SECURITY L1: ≤ 100). */
  secondFactorAllowed(userId: string): Promise<LimitCheck>;
  /** Counts a failure; `ok: false` when the account is blocked from now on. */
  secondFactorFailed(userId: string): Promise<LimitCheck>;
  secondFactorSucceeded(userId: string): Promise<void>;
  /** Lifts a second-factor block, for an administrator's 2FA reset. */
  resetSecondFactor(userId: string): Promise<void>;
  /** A generic rate (`5/1h`) for one purpose and key: assistance per IP/email, email-code sends… */
  consume(purpose: string, key: string, rate: Rate): Promise<LimitCheck>;
  close(): Promise<void>;
}
