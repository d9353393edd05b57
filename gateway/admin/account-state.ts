/**
 * Disabling and enabling an account: one path for the dashboard and `recourse user disable|enable`.
 * A disabled account is out at once and stays out: its sessions end (through the caller's
 * `endSessions`, the session manager's revocation in the gateway, so every instance's cache and
 * live WebSockets follow), its unused links (invitation, password reset) are void, and it is marked
 * disabled by an administrator, which a directory refresh or a directory sign-in never undoes.
 */
import type { Executor } from '../../db/client.js';
import { voidUserTokens } from '../../db/queries/user-tokens.js';
import { updateUser } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';

export interface AccountStateContext {
  serverSecret: string;
  now: Date;
  actor: AuditEntry['actor'];
  ip?: string | null;
  requestId?: string | null;
  /** Ends every session of the user inside the transaction; returns the revoked id hashes. */
  endSessions(tx: Executor, userId: string): Promise<string[]>;
}

export type StateChange = { changed: false } | { changed: true; sessionsRevoked: string[] };

/** Inside the caller's transaction, with the user's row read (locked) in it. */
export async function disableAccount(tx: Executor, user: UserRow, context: AccountStateContext): Promise<StateChange> {
  if (user.disabledByAdmin && !user.active) return { changed: false };
  await updateUser(tx, user.id, { active: false, disabledByAdmin: true }, context.now);
  const sessionsRevoked = await context.endSessions(tx, user.id);
  const linksVoided = await voidUserTokens(tx, user.id, context.now);
  await writeAudit(tx, context.serverSecret, {
    event: 'user.disabled', at: context.now, actor: context.actor, userId: user.id, ip: context.ip ?? null, requestId: context.requestId ?? null,
    details: { sessions_revoked: sessionsRevoked.length, links_voided: linksVoided, ...(user.active ? {} : { was_active: false }) },
  });
  return { changed: true, sessionsRevoked };
}

/**
 * Lifts an administrator's disable. A directory user's row goes back to active and the directory
 * has its say again at the next refresh or sign-in (one disabled there is disabled here again).
 */
export async function enableAccount(tx: Executor, user: UserRow, context: Omit<AccountStateContext, 'endSessions'>): Promise<StateChange> {
  if (user.active && !user.disabledByAdmin) return { changed: false };
  await updateUser(tx, user.id, { active: true, disabledByAdmin: false }, context.now);
  await writeAudit(tx, context.serverSecret, {
    event: 'user.enabled', at: context.now, actor: context.actor, userId: user.id, ip: context.ip ?? null, requestId: context.requestId ?? null,
  });
  return { changed: true, sessionsRevoked: [] };
}
