/**
 * Who is acting on the dashboard or the API (CONTRACT §5, SECURITY D1), as one ladder: an API
 * token (`Authorization: Bearer …`, stored as SHA-256, revocable; JSON callers only) acting with its
 * user's CURRENT permissions, or a session that passed its second factor. The user row is read on
 * every call, so a revoked permission, a demotion or a disabled account bites on the next request.
 *
 * A request that carries an Authorization header is judged by it alone: the CSRF middleware lets
 * bearer calls through, so a cookie must never ride along on one. The HTTP answers are the
 * guard's (routes/guards/admin.tsx).
 */
import type { Executor } from '../../db/client.js';
import { findLiveApiToken } from '../../db/queries/api-tokens.js';
import { apiTokenHash } from '../auth/api-token.js';
import type { SessionView } from '../session/store.js';
import type { ActingAdmin } from './actions.js';
import { loadActor } from './actor.js';
import { isAdminRole } from './permissions.js';

export type CredentialRefusal =
  | 'no_credentials'
  | 'malformed_authorization'
  | 'unknown_or_revoked_token'
  | 'token_user_inactive'
  | 'token_user_not_admin'
  | 'restricted_session'
  | 'second_factor_missing'
  | 'session_user_inactive'
  | 'not_admin';

export type AdminCredential =
  | { ok: true; who: ActingAdmin; session: SessionView | null }
  | { ok: false; why: CredentialRefusal };

export interface CredentialRequest {
  /** The Authorization header when bearer tokens are accepted (JSON calls), else undefined. */
  authorization: string | undefined;
  session: SessionView | null | undefined;
  ip: string;
  requestId: string;
}

export async function resolveAdminCredential(db: Executor, request: CredentialRequest): Promise<AdminCredential> {
  const refuse = (why: CredentialRefusal): AdminCredential => ({ ok: false, why });
  const base = { ip: request.ip, requestId: request.requestId };
  if (request.authorization !== undefined) {
    const token = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(request.authorization.trim())?.[1];
    const hash = token ? apiTokenHash(token) : undefined;
    if (!hash) return refuse('malformed_authorization');
    const row = await findLiveApiToken(db, hash);
    if (!row) return refuse('unknown_or_revoked_token');
    const actor = await loadActor(db, row.userId);
    if (!actor || !actor.active) return refuse('token_user_inactive');
    if (!isAdminRole(actor.role)) return refuse('token_user_not_admin');
    return { ok: true, who: { ...base, actor, credential: { kind: 'token' } }, session: null };
  }
  const { session } = request;
  if (!session) return refuse('no_credentials');
  // A recovery session may only enrol a new factor (SECURITY R3); a password alone is not an admin.
  if (session.restricted) return refuse('restricted_session');
  if (session.authLevel < 2) return refuse('second_factor_missing');
  const actor = await loadActor(db, session.user.id);
  if (!actor || !actor.active) return refuse('session_user_inactive');
  if (!isAdminRole(actor.role)) return refuse('not_admin');
  return { ok: true, who: { ...base, actor, credential: { kind: 'session', secondFactorAt: session.secondFactorAt } }, session };
}
