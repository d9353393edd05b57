/**
 * Self-service password reset (recovery.self_service_password_reset, CONTRACT §8.4). Split in two
 * so the answer cannot depend on the account: `chargePasswordForgot` runs before the answer and
 * is the same work for every address (per-IP and per-email rates, the email counted whether or
 * not an account has it); `mailPasswordLink` runs after it, off the request's path, and is where
 * an account is looked up, a link issued and mailed, and the request audited. The link is the
 * one an access email carries (`P/password/reset`): it revokes every session, and the second
 * factor is still asked for at the next sign-in.
 */
import type { Database } from '../../db/client.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { issuePasswordLink, passwordLinkUrl } from '../auth/password-links.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import type { Rate } from '../core/duration.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { passwordForgotEmail } from '../delivery/templates/index.js';
import type { Directory } from '../directory/directory.js';
import type { Limits, LimitCheck } from '../ratelimit/limits.js';

export interface PasswordForgotRates {
  per_ip: Rate;
  per_email: Rate;
}

/** The address first, then the email (case-folded): a refused address spends no email's count. */
export async function chargePasswordForgot(limits: Pick<Limits, 'consume'>, rates: PasswordForgotRates, input: { email: string; ip: string }): Promise<LimitCheck> {
  const byIp = await limits.consume('password_forgot_ip', input.ip, rates.per_ip);
  if (!byIp.ok) return byIp;
  return limits.consume('password_forgot_email', input.email.trim().toLowerCase(), rates.per_email);
}

export interface MailPasswordLinkDeps {
  db: Database;
  clock: Clock;
  directory: Pick<Directory, 'passwordOwner'>;
  config: { session: { secret: string }; server: { public_url: string; prefix: string } };
}

export type MailedLink = { sent: true; userId: string } | { sent: false; why: 'no_account' | 'directory_owns_password' };

/** Issues and mails a link to an active account's address, and audits the request either way. */
export async function mailPasswordLink(
  deps: MailPasswordLinkDeps,
  input: { email: string; ttlMs: number; ip: string; requestId: string },
): Promise<MailedLink> {
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const found = await findUserByEmail(tx, input.email);
    const user = found?.active ? found : undefined;
    let outcome: MailedLink;
    if (!user) outcome = { sent: false, why: 'no_account' };
    else if (deps.directory.passwordOwner(user) === 'directory_only') outcome = { sent: false, why: 'directory_owns_password' };
    else {
      const token = await issuePasswordLink(tx, { userId: user.id, purpose: 'password_reset', ttlMs: input.ttlMs, now });
      const link = passwordLinkUrl(deps.config.server.public_url, deps.config.server.prefix, token);
      const email = passwordForgotEmail({ name: user.name, language: user.language, link, ttlMinutes: Math.round(input.ttlMs / 60_000) });
      await enqueueEmail(tx, deps.config.session.secret, { kind: 'password_forgot', to: user.email, userId: user.id, requestId: null, email }, now);
      outcome = { sent: true, userId: user.id };
    }
    await writeAudit(tx, deps.config.session.secret, {
      event: 'password.reset_requested', at: now, actor: user ? { userId: user.id } : null, userId: user?.id ?? null,
      ip: input.ip, requestId: input.requestId,
      details: { via: 'self_service', sent: outcome.sent, ...(outcome.sent ? {} : { why: outcome.why, email: input.email.slice(0, 254) }) },
    });
    return outcome;
  });
}
