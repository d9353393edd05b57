/**
 * Where open re-enrolment obligations stand at a moment: pure, so the request path can judge the
 * obligations carried by the cached session without a query.
 */
import type { OpenObligation } from '../../db/queries/obligations.js';

export type ObligationState = 'none' | 'nag' | 'blocking';

/** Immediate, or past its deadline: the app is out of reach until it is met. */
export function isBlocking(obligation: OpenObligation, nowMs: number): boolean {
  return obligation.dueAt === null || obligation.dueAt.getTime() <= nowMs;
}

/** Before its deadline and not snoozed: the interstitial shows on the next page load. */
export function isNagging(obligation: OpenObligation, nowMs: number): boolean {
  if (isBlocking(obligation, nowMs)) return false;
  return obligation.snoozedUntil === null || obligation.snoozedUntil.getTime() <= nowMs;
}

/** An open obligation with where it stands at `nowMs`, for pages. */
export function withState<T extends OpenObligation>(obligation: T, nowMs: number): T & { blocking: boolean; nagging: boolean } {
  return { ...obligation, blocking: isBlocking(obligation, nowMs), nagging: isNagging(obligation, nowMs) };
}

/** The strongest state among the open obligations. */
export function obligationState(obligations: readonly OpenObligation[], nowMs: number): ObligationState {
  if (obligations.some((o) => isBlocking(o, nowMs))) return 'blocking';
  return obligations.some((o) => isNagging(o, nowMs)) ? 'nag' : 'none';
}

/**
 * Where an obligation sends a request instead of the app: the enrolment page while a second
 * factor is owed, the re-enrolment page for anything else blocking, and the interstitial for a
 * nagging one on a page load only (never an XHR, JSON or asset request). Null: let it through.
 */
export function obligationDetour(obligations: readonly OpenObligation[], nowMs: number, pageLoad: boolean): 'enroll' | 'reenroll' | null {
  if (obligations.length === 0) return null;
  const blocking = obligations.filter((o) => isBlocking(o, nowMs));
  if (blocking.some((o) => o.requirement === 'enroll_second_factor')) return 'enroll';
  if (blocking.length > 0) return 'reenroll';
  return pageLoad && obligations.some((o) => isNagging(o, nowMs)) ? 'reenroll' : null;
}
