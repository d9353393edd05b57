/** One attempt at a time against Limits: charged, then settled as the check turned out. */
import type { Limits, LoginFailure } from '../../gateway/ratelimit/limits.js';

/** A login attempt let through to its check, which fails. */
export async function failLogin(limits: Limits, email: string, ip: string): Promise<LoginFailure> {
  const charge = await limits.chargeLogin(email, ip);
  if (!charge.ok) throw new Error(`refused (${charge.scope}) before the check`);
  return charge.failed();
}

export async function succeedLogin(limits: Limits, email: string, ip: string): Promise<void> {
  const charge = await limits.chargeLogin(email, ip);
  if (!charge.ok) throw new Error(`refused (${charge.scope}) before the check`);
  await charge.succeeded();
}

/** Whether an attempt would be let through to its check (its charge is given back). */
export async function loginCheck(limits: Limits, email: string, ip: string) {
  const charge = await limits.chargeLogin(email, ip);
  if (!charge.ok) return charge;
  await charge.refund();
  return { ok: true };
}

export async function failSecondFactor(limits: Limits, userId: string) {
  const charge = await limits.chargeSecondFactor(userId);
  if (!charge.ok) throw new Error('refused before the check');
  return charge.failed();
}

export async function succeedSecondFactor(limits: Limits, userId: string): Promise<void> {
  const charge = await limits.chargeSecondFactor(userId);
  if (!charge.ok) throw new Error('refused before the check');
  await charge.succeeded();
}

export async function secondFactorCheck(limits: Limits, userId: string) {
  const charge = await limits.chargeSecondFactor(userId);
  if (!charge.ok) return charge;
  await charge.refund();
  return { ok: true };
}
