import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { obligationDetour } from '../recovery/obligation-state.js';
import type { SessionView } from '../session/store.js';

export type AccessLevel = 'bypass' | 'one_factor' | 'two_factor' | 'deny';

export interface AccessDecider {
  decideAccess(request: { host: string; path: string; method: string; roles: readonly string[]; groups: readonly string[] }): AccessLevel;
}

export type RequestDecision =
  | { kind: 'allow'; session: SessionView | null }
  | { kind: 'deny' }
  | { kind: 'sign_in' }
  /** `reenroll`: an open re-enrolment obligation (P/reenroll explains it; a nagging one only on a page load). */
  | { kind: 'step_up'; to: '2fa' | 'enroll' | 'reenroll' }
  | { kind: 'unavailable' };

/** Where a decision finds the request's session (resolved at most once per request) and its logger. */
export interface RequestSessionContext {
  session(): Promise<SessionView | null>;
  log: Logger;
}

/**
 * Whether a request is a top-level page load in a browser, the only kind a re-enrolment
 * interstitial may interrupt: a GET that accepts HTML, not sent by script (XHR, fetch, htmx) and
 * not for a sub-resource. `Sec-Fetch-*` headers decide when the browser sends them.
 */
export function isPageLoad(method: string, header: (name: string) => string | undefined): boolean {
  if (method !== 'GET') return false;
  if (!(header('accept') ?? '').includes('text/html')) return false;
  if (header('x-requested-with') || header('hx-request')) return false;
  const mode = header('sec-fetch-mode');
  const dest = header('sec-fetch-dest');
  return (mode === undefined || mode === 'navigate') && (dest === undefined || dest === 'document');
}

/**
 * The access decision for one request, shared by the proxy and forward-auth. The policy is asked
 * with the user's role and type once the session is known; a session that lacks the factor the
 * rule needs never passes (SECURITY S4), and a failing session store fails closed. Then the
 * user's open re-enrolment obligations, read from the cached session (no query per request).
 */
export async function decideRequest(
  deps: { access: AccessDecider; clock: Pick<Clock, 'nowMs'> },
  context: RequestSessionContext,
  request: { host: string; path: string; method: string; pageLoad: boolean },
): Promise<RequestDecision> {
  let session: SessionView | null;
  try {
    session = await context.session();
  } catch (error) {
    context.log.error({ err: String(error) }, 'session lookup failed; refusing the request');
    return { kind: 'unavailable' };
  }
  return decideForSession(deps, session, request);
}

/**
 * The same decision once the session is known: the proxy pipeline (proxy/pipeline.ts) calls it when
 * the session cache answers from memory, without a promise, and again for a live WebSocket.
 */
export function decideForSession(
  deps: { access: AccessDecider; clock: Pick<Clock, 'nowMs'> },
  session: SessionView | null,
  request: { host: string; path: string; method: string; pageLoad: boolean },
): RequestDecision {
  const roles = session ? [session.user.role, session.user.type] : [];
  const groups = session ? session.user.groups : [];
  const level = deps.access.decideAccess({ host: request.host, path: request.path, method: request.method, roles, groups });
  if (level === 'deny') return { kind: 'deny' };
  // A bypass path tells the upstream who is there only after a full sign-in: a password-only or
  // recovery session must not read to the app like one (SECURITY I2, issue 32 finding 9).
  if (level === 'bypass') return { kind: 'allow', session: session && session.authLevel === 2 && !session.restricted ? session : null };
  if (!session) return { kind: 'sign_in' };
  if (session.restricted) return { kind: 'step_up', to: 'enroll' };
  if (level === 'two_factor' && session.authLevel < 2) return { kind: 'step_up', to: '2fa' };
  const detour = obligationDetour(session.obligations, deps.clock.nowMs(), request.pageLoad);
  if (detour) return { kind: 'step_up', to: detour };
  return { kind: 'allow', session };
}
