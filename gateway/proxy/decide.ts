import type { Context } from 'hono';
import type { AppEnv } from '../http/env.js';
import type { SessionView } from '../session/store.js';

export type AccessLevel = 'bypass' | 'one_factor' | 'two_factor' | 'deny';

export interface AccessDecider {
  decideAccess(request: { host: string; path: string; method: string; roles: readonly string[] }): AccessLevel;
}

export type RequestDecision =
  | { kind: 'allow'; session: SessionView | null }
  | { kind: 'deny' }
  | { kind: 'sign_in' }
  | { kind: 'step_up'; to: '2fa' | 'enroll' }
  | { kind: 'unavailable' };

/**
 * The access decision for one request, shared by the proxy and forward-auth. The policy is asked
 * with the user's role and type once the session is known; a session that lacks the factor the
 * rule needs never passes (SECURITY S4), and a failing session store fails closed.
 */
export async function decideRequest(
  deps: { access: AccessDecider; resolveSession: (c: Context<AppEnv>) => Promise<SessionView | null> },
  c: Context<AppEnv>,
  request: { host: string; path: string; method: string },
): Promise<RequestDecision> {
  let session: SessionView | null;
  try {
    session = await deps.resolveSession(c);
  } catch (error) {
    c.get('log').error({ err: String(error) }, 'session lookup failed; refusing the request');
    return { kind: 'unavailable' };
  }
  const roles = session ? [session.user.role, session.user.type] : [];
  const level = deps.access.decideAccess({ ...request, roles });
  if (level === 'deny') return { kind: 'deny' };
  if (level === 'bypass') return { kind: 'allow', session };
  if (!session) return { kind: 'sign_in' };
  if (session.restricted) return { kind: 'step_up', to: 'enroll' };
  if (level === 'two_factor' && session.authLevel < 2) return { kind: 'step_up', to: '2fa' };
  return { kind: 'allow', session };
}
