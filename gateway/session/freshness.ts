/**
 * How recent a second factor must be for sensitive steps (regenerating backup codes, expert-mode
 * admin actions, a re-verification prompt): SECURITY D2, ten minutes. One rule, used everywhere.
 */
export const FRESH_SECOND_FACTOR_MS = 10 * 60_000;

export function secondFactorIsFresh(secondFactorAt: Date | null, nowMs: number): boolean {
  if (!secondFactorAt) return false;
  const age = nowMs - secondFactorAt.getTime();
  return age >= 0 && age <= FRESH_SECOND_FACTOR_MS;
}

/** A full (level-2, unrestricted) session whose second factor is fresh. */
export function hasFreshSecondFactor(session: { authLevel: number; restricted: boolean; secondFactorAt: Date | null }, nowMs: number): boolean {
  return session.authLevel >= 2 && !session.restricted && secondFactorIsFresh(session.secondFactorAt, nowMs);
}
