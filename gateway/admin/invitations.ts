/**
 * Invitations: an account added by an administrator (the dashboard, `recourse user import`) has no
 * password. Its holder gets a one-time link (auth/password-links.ts, purpose `invitation`) to
 * choose one, then enrols a second factor at the first sign-in. One path for both callers: the
 * account, its groups, the link, the email (outbox) and the `user.invited` row are written in the
 * caller's transaction, so a rolled-back import sends nothing.
 */
import type { Executor } from '../../db/client.js';
import { setUserGroups } from '../../db/queries/user-groups.js';
import { createUser } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { issuePasswordLink, passwordLinkUrl } from '../auth/password-links.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { invitationEmail } from '../delivery/templates/index.js';
import type { NewAccount } from './new-account.js';

const DAY_MS = 86_400_000;
/**
 * How long an invitation link works: a week, Okta's default for activation emails, so an invitation
 * sent on a Friday survives a holiday weekend. Single use and voided by a newer invitation or by
 * disabling the account; expired, the administrator sends a new one from the user's page.
 */
export const INVITATION_TTL_MS = 7 * DAY_MS;

export interface InvitationContext {
  serverSecret: string;
  /** `server.public_url` and `server.prefix`, for the link. */
  publicUrl: string;
  prefix: string;
  now: Date;
  actor: AuditEntry['actor'];
  ip?: string | null;
  requestId?: string | null;
  /** Where the invitation came from, for the audit row. */
  via: 'dashboard' | 'import';
}

export type InviteOutcome = { ok: true; user: UserRow; expiresAt: Date } | { ok: false; reason: 'duplicate_email' };

/**
 * Creates the account and invites it. On `duplicate_email` the failed insert has aborted the
 * transaction: the caller must roll it back (throw), never go on in it.
 */
export async function inviteNewUser(tx: Executor, account: NewAccount, context: InvitationContext): Promise<InviteOutcome> {
  const created = await createUser(tx, { email: account.email, name: account.name, role: account.role, type: account.type, phone: account.phone }, context.now);
  if (!created.ok) return created;
  const user = created.user;
  await setUserGroups(tx, user.id, account.groups);
  const expiresAt = await sendInvitation(tx, user, context);
  await writeAudit(tx, context.serverSecret, {
    event: 'user.invited', at: context.now, actor: context.actor, userId: user.id, ip: context.ip ?? null, requestId: context.requestId ?? null,
    details: { via: context.via, email: user.email, role: user.role, type: user.type, groups: account.groups, expires_at: expiresAt.toISOString() },
  });
  return { ok: true, user, expiresAt };
}

/** A new link for an account that has not chosen a password yet (the earlier link stops working). */
export async function reinviteUser(tx: Executor, user: UserRow, context: InvitationContext): Promise<Date> {
  const expiresAt = await sendInvitation(tx, user, context);
  await writeAudit(tx, context.serverSecret, {
    event: 'user.invited', at: context.now, actor: context.actor, userId: user.id, ip: context.ip ?? null, requestId: context.requestId ?? null,
    details: { via: context.via, email: user.email, resent: true, expires_at: expiresAt.toISOString() },
  });
  return expiresAt;
}

async function sendInvitation(tx: Executor, user: UserRow, context: InvitationContext): Promise<Date> {
  const token = await issuePasswordLink(tx, { userId: user.id, purpose: 'invitation', ttlMs: INVITATION_TTL_MS, now: context.now });
  const link = passwordLinkUrl(context.publicUrl, context.prefix, token);
  await enqueueEmail(tx, context.serverSecret, {
    kind: 'invitation', to: user.email, userId: user.id,
    email: invitationEmail({ name: user.name, language: user.language, email: user.email, link, ttlDays: INVITATION_TTL_MS / DAY_MS }),
  }, context.now);
  return new Date(context.now.getTime() + INVITATION_TTL_MS);
}
