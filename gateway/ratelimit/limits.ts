import type { Rate } from '../core/duration.js';

export type LimitCheck = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Every throttle the gateway applies, behind one interface so Redis (shared by instances) and
 * in-process counters are interchangeable (SECURITY L1, L2).
 */
export interface Limits {
  /** Login regulation: is this account or this IP banned right now? */
  loginAllowed(email: string, ip: string): Promise<LimitCheck>;
  /** Counts a failed password; answers whether the failure started a ban. */
  loginFailed(email: string, ip: string): Promise<{ banned: boolean; retryAfterMs: number }>;
  loginSucceeded(email: string, ip: string): Promise<void>;
  /** Second-factor failures per account, across sessions, IPs and factors (SECURITY L1: ≤ 100). */
  secondFactorAllowed(userId: string): Promise<LimitCheck>;
  secondFactorFailed(userId: string): Promise<LimitCheck>;
  secondFactorSucceeded(userId: string): Promise<void>;
  /** A generic rate (`5/1h`) for one purpose and key: assistance per IP/email, email-code sends… */
  consume(purpose: string, key: string, rate: Rate): Promise<LimitCheck>;
  close(): Promise<void>;
}
