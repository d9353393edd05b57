/**
 * Credentials of `P/api/v1` (CONTRACT §5): an API token (`Authorization: Bearer …`, stored as
 * SHA-256, revocable) acting with its user's CURRENT permissions, or an administrator's session
 * that passed its second factor. The user row is read on every call, so a revoked permission, a
 * demotion or a disabled account takes effect on the next request (SECURITY D1).
 *
 * A request that carries an Authorization header is judged by it alone: the CSRF middleware lets
 * bearer calls through, so a cookie must never ride along on one.
 */
import type { Context } from 'hono';
import type { Executor } from '../../db/client.js';
import { findLiveApiToken } from '../../db/queries/api-tokens.js';
import { apiTokenHash } from '../auth/api-token.js';
import type { AppEnv } from '../http/env.js';
import type { SessionView } from '../session/store.js';
import type { ActingAdmin } from './actions.js';
import { loadActor } from './actor.js';
import { isAdminRole } from './permissions.js';

export type ApiAuth =
  | { ok: true; who: ActingAdmin; session: SessionView | null }
  | { ok: false; status: 401 | 403; code: 'unauthenticated' | 'forbidden'; message: string; why: string };

const UNAUTHENTICATED = 'Send an API token (Authorization: Bearer …) or sign in as an administrator with your second factor.';

export async function authenticateApi(db: Executor, c: Context<AppEnv>): Promise<ApiAuth> {
  const unauthenticated = (why: string): ApiAuth => ({ ok: false, status: 401, code: 'unauthenticated', message: UNAUTHENTICATED, why });
  const base = { ip: c.get('clientIp'), requestId: c.get('requestId') };
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const token = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header.trim())?.[1];
    const hash = token ? apiTokenHash(token) : undefined;
    if (!hash) return unauthenticated('malformed_authorization');
    const row = await findLiveApiToken(db, hash);
    if (!row) return unauthenticated('unknown_or_revoked_token');
    const actor = await loadActor(db, row.userId);
    if (!actor || !actor.active) return unauthenticated('token_user_inactive');
    if (!isAdminRole(actor.role)) return { ok: false, status: 403, code: 'forbidden', message: 'This token\'s user is not an administrator.', why: 'token_user_not_admin' };
    return { ok: true, who: { ...base, actor, credential: { kind: 'token' } }, session: null };
  }
  const session = c.get('session');
  if (!session) return unauthenticated('no_credentials');
  if (session.restricted || session.authLevel < 2) return unauthenticated('second_factor_missing');
  const actor = await loadActor(db, session.user.id);
  if (!actor || !actor.active) return unauthenticated('session_user_inactive');
  if (!isAdminRole(actor.role)) return { ok: false, status: 403, code: 'forbidden', message: 'Only administrators can use this API.', why: 'not_admin' };
  return { ok: true, who: { ...base, actor, credential: { kind: 'session', secondFactorAt: session.secondFactorAt } }, session };
}
