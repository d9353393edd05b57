/**
 * Administrator actions on recovery requests and accounts (issue 7, SECURITY R2, D1–D3). Each one:
 * checks the capability, then the reason, then the object, then the actor's right over that
 * account; then, in ONE transaction, changes the account or request, queues the message to the
 * user and writes its audit row. Only the HTTP layer turns the outcomes into statuses.
 */
import type { Database, Executor } from '../../db/client.js';
import { countActiveSuperAdmins, lockRequest, setRequestStatus } from '../../db/queries/admin.js';
import type { AssistanceRequestRow } from '../../db/queries/assistance.js';
import { voidRequestRecoveryCodes } from '../../db/queries/recovery-codes.js';
import { findUserById } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { issuePasswordLink, passwordLinkUrl, recoveryCodePageUrl } from '../auth/password-links.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import type { Config } from '../config/schema.js';
import { describeLocation, type GeoIp } from '../context/geoip.js';
import type { Clock } from '../core/clock.js';
import { enqueueEmail, enqueueSms } from '../delivery/outbox.js';
import { accessEmail, directoryPasswordEmail, recoveryCodeEmail, recoveryNoticeEmail } from '../delivery/templates/index.js';
import type { Directory } from '../directory/directory.js';
import type { Policy } from '../policy/schema.js';
import { issueRecoveryCode } from '../recovery/recovery-codes.js';
import { resetSecondFactor } from '../recovery/reset-second-factor.js';
import { checkActionFields, fieldDetails, type ActionFields, type ActionFieldsInput } from './action-fields.js';
import { resolveOnBehalfOf } from './on-behalf-of.js';
import { mayActOn, mayUse, permissionRules, type AdminActor, type Capability, type Credential, type Refusal } from './permissions.js';
import { requestClosedEmail } from './request-closed-email.js';

export interface AdminActionDeps {
  db: Database;
  clock: Clock;
  config: Pick<Config, 'session' | 'server' | 'sms'>;
  policies: { current(): { policy: Policy } };
  geoip: GeoIp;
  sessions: { announceRevoked(idHashes: string[]): void; forgetUser(userId: string): void };
  limits: { resetSecondFactor(userId: string): Promise<void> };
  /** Who owns a user's password: an access email to a directory user may carry no link. */
  directory: Pick<Directory, 'passwordOwner'>;
}

/** Who acts, on what credential, from where. */
export interface ActingAdmin {
  actor: AdminActor;
  credential: Credential;
  ip: string;
  requestId: string;
}

/** The account an action targets: directly by id, or the account a request resolved to. */
export type ActionTarget = { userId: string } | { reference: string };

export type ActionFailure =
  | { ok: false; reason: 'forbidden'; refusal: Refusal }
  /** `candidates`: for on_behalf_of, the users the text could mean (none when it names nobody). */
  | { ok: false; reason: 'invalid'; field: 'reason' | 'details' | 'on_behalf_of' | 'delivery' | 'confirm'; candidates?: string[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; problem: 'request_closed' | 'no_account' | 'account_disabled' | 'sms_unavailable' };

export type CodeSent = { ok: true; userId: string; reference: string | null; delivery: 'email' | 'sms'; expiresAt: Date };
export type AccessEmailSent = { ok: true; userId: string; reference: string | null; expiresAt: Date };
export type SecondFactorReset = { ok: true; userId: string; reference: string | null; removed: { totp: number; keys: number; codes: number } };
export type RequestCancelled = { ok: true; reference: string };

const OPEN: ReadonlySet<string> = new Set(['pending', 'approved']);
const minutesOf = (ms: number) => Math.max(1, Math.round(ms / 60_000));

interface Resolved {
  user: UserRow;
  request: AssistanceRequestRow | null;
  fields: ActionFields;
}

/**
 * The shared guard ladder: capability (403) → fields (400) → object (404) → right over the account
 * (403) → state (409). The request row, if any, is locked for the rest of the transaction.
 */
async function resolve(
  tx: Executor, deps: AdminActionDeps, who: ActingAdmin, capability: Capability, target: ActionTarget, input: ActionFieldsInput,
): Promise<Resolved | ActionFailure> {
  const { policy } = deps.policies.current();
  const general = mayUse(who.actor, capability, permissionRules(policy), who.credential, deps.clock.nowMs());
  if (!general.ok) return { ok: false, reason: 'forbidden', refusal: general.refusal };
  const checked = await checkFields(tx, policy.recovery.reasons, input);
  if (!checked.ok) return checked;
  let request: AssistanceRequestRow | null = null;
  let user: UserRow | undefined;
  if ('reference' in target) {
    request = await lockRequest(tx, target.reference) ?? null;
    if (!request) return { ok: false, reason: 'not_found' };
    user = request.userId ? await findUserById(tx, request.userId) : undefined;
    // A request that matched no account can only be cancelled (SECURITY A3: nothing goes to that address).
    if (!user) return { ok: false, reason: 'conflict', problem: 'no_account' };
  } else {
    user = await findUserById(tx, target.userId);
    if (!user) return { ok: false, reason: 'not_found' };
  }
  const over = mayActOn(who.actor, user, capability, await countActiveSuperAdmins(tx));
  if (!over.ok) return { ok: false, reason: 'forbidden', refusal: over.refusal };
  if (request && !OPEN.has(request.status)) return { ok: false, reason: 'conflict', problem: 'request_closed' };
  if (!user.active) return { ok: false, reason: 'conflict', problem: 'account_disabled' };
  return { user, request, fields: checked.fields };
}

/** The fields, with On Behalf Of resolved to one user (issue 28 item 7). */
export async function checkFields(tx: Executor, reasons: readonly string[], input: ActionFieldsInput): Promise<{ ok: true; fields: ActionFields } | ActionFailure> {
  const checked = checkActionFields(reasons, input);
  if (!checked.ok) return { ok: false, reason: 'invalid', field: checked.field };
  const named = await resolveOnBehalfOf(tx, checked.fields.onBehalfOf);
  if (!named.ok) return { ok: false, reason: 'invalid', field: 'on_behalf_of', candidates: named.candidates };
  return { ok: true, fields: { ...checked.fields, onBehalfOf: named.user?.email ?? null, onBehalfOfId: named.user?.id ?? null } };
}

function auditBase(deps: AdminActionDeps, who: ActingAdmin, resolved: Resolved, now: Date): Omit<AuditEntry, 'event'> {
  return {
    at: now, actor: { userId: who.actor.id }, userId: resolved.user.id, ip: who.ip,
    location: describeLocation(deps.geoip.lookup(who.ip)), reason: resolved.fields.reason, requestId: who.requestId,
  };
}

/** Generate code / Send recovery code email: a single-use code for the account, by email or SMS (SECURITY R1, R2). */
export async function issueRecoveryCodeFor(
  deps: AdminActionDeps, who: ActingAdmin, target: ActionTarget, input: ActionFieldsInput & { delivery?: unknown },
): Promise<CodeSent | ActionFailure> {
  const delivery = input.delivery === undefined ? 'email' : input.delivery;
  return deps.db.transaction(async (tx): Promise<CodeSent | ActionFailure> => {
    const resolved = await resolve(tx, deps, who, 'issue_recovery_code', target, input);
    if (!('user' in resolved)) return resolved;
    if (delivery !== 'email' && delivery !== 'sms') return { ok: false, reason: 'invalid', field: 'delivery' };
    const { user, request } = resolved;
    if (delivery === 'sms' && !(user.phone && deps.config.sms.webhook_url)) return { ok: false, reason: 'conflict', problem: 'sms_unavailable' };
    const { policy } = deps.policies.current();
    const now = deps.clock.now();
    const ttlMs = policy.recovery.recovery_code.ttl;
    const issued = await issueRecoveryCode(tx, {
      serverSecret: deps.config.session.secret, userId: user.id, requestId: request?.id ?? null, issuedBy: who.actor.id, now, ttlMs,
    });
    // The request's Delivery column follows this message (the worker updates it by request id).
    const message = { kind: 'recovery_code', userId: user.id, requestId: request?.id ?? null };
    if (delivery === 'sms') {
      await enqueueSms(tx, deps.config.session.secret, { ...message, to: user.phone!, text: `Recourse recovery code: ${issued.code} (valid ${minutesOf(ttlMs)} min, single use). Never share it.` }, now);
      // The owner of the mailbox hears of it too, in case the phone is no longer theirs.
      await enqueueEmail(tx, deps.config.session.secret, { kind: 'recovery_notice', to: user.email, userId: user.id, email: recoveryNoticeEmail({ name: user.name, language: user.language, action: 'recovery_code_sent', when: now }) }, now);
    } else {
      await enqueueEmail(tx, deps.config.session.secret, { ...message, to: user.email, email: recoveryCodeEmail({ name: user.name, language: user.language, code: issued.code, ttlMinutes: minutesOf(ttlMs), link: recoveryCodePageUrl(deps.config.server.public_url, deps.config.server.prefix) }) }, now);
    }
    if (request) await setRequestStatus(tx, request.id, { status: 'approved', delivery: 'pending' }, now);
    await writeAudit(tx, deps.config.session.secret, {
      ...auditBase(deps, who, resolved, now), event: 'recovery_request.code_generated',
      details: { reference: request?.reference ?? null, delivery, expires_at: issued.expiresAt.toISOString(), voided: issued.voided, ...fieldDetails(resolved.fields) },
    });
    return { ok: true, userId: user.id, reference: request?.reference ?? null, delivery, expiresAt: issued.expiresAt };
  });
}

/** Send access email: a single-use password-reset link to the registered address. */
export async function sendAccessEmail(deps: AdminActionDeps, who: ActingAdmin, target: ActionTarget, input: ActionFieldsInput): Promise<AccessEmailSent | ActionFailure> {
  return deps.db.transaction(async (tx): Promise<AccessEmailSent | ActionFailure> => {
    const resolved = await resolve(tx, deps, who, 'send_access_email', target, input);
    if (!('user' in resolved)) return resolved;
    const { user, request } = resolved;
    const { policy } = deps.policies.current();
    const now = deps.clock.now();
    const ttlMs = policy.recovery.access_email.ttl;
    // The directory owns this password and Recourse may not change it: the email says so, with no link.
    const withLink = deps.directory.passwordOwner(user) !== 'directory_only';
    const message = { kind: 'access_email', to: user.email, userId: user.id, requestId: request?.id ?? null };
    if (withLink) {
      const token = await issuePasswordLink(tx, { userId: user.id, purpose: 'password_reset', ttlMs, now });
      const link = passwordLinkUrl(deps.config.server.public_url, deps.config.server.prefix, token);
      await enqueueEmail(tx, deps.config.session.secret, { ...message, email: accessEmail({ name: user.name, language: user.language, link, ttlMinutes: minutesOf(ttlMs) }) }, now);
    } else {
      await enqueueEmail(tx, deps.config.session.secret, { ...message, email: directoryPasswordEmail({ name: user.name, language: user.language }) }, now);
    }
    // With a link, the request completes when the password is set (recovery/request-completion.ts);
    // without one the directory owns the password and nothing more will happen here.
    if (request) await setRequestStatus(tx, request.id, { status: withLink ? 'approved' : 'completed', delivery: 'pending' }, now);
    const expiresAt = new Date(now.getTime() + ttlMs);
    await writeAudit(tx, deps.config.session.secret, {
      ...auditBase(deps, who, resolved, now), event: 'access_email.sent',
      details: { reference: request?.reference ?? null, expires_at: expiresAt.toISOString(), ...(withLink ? {} : { password_link: false }), ...fieldDetails(resolved.fields) },
    });
    if (request && !withLink) {
      await writeAudit(tx, deps.config.session.secret, {
        ...auditBase(deps, who, resolved, now), event: 'recovery_request.completed', details: { reference: request.reference, via: 'access_email', after: 'directory_password_email' },
      });
    }
    return { ok: true, userId: user.id, reference: request?.reference ?? null, expiresAt };
  });
}

/**
 * Reset 2FA: removes the account's factors and codes and signs it out everywhere (SECURITY D3).
 * `confirmed`: the dashboard's form posts `confirm=yes` from behind its confirmation and the
 * server holds it to that (contract §8.4); an API call is its own confirmation and passes true.
 */
export async function resetUserSecondFactor(
  deps: AdminActionDeps, who: ActingAdmin, target: ActionTarget, input: ActionFieldsInput & { confirmed: boolean },
): Promise<SecondFactorReset | ActionFailure> {
  const outcome = await deps.db.transaction(async (tx) => {
    const resolved = await resolve(tx, deps, who, 'reset_2fa', target, input);
    if (!('user' in resolved)) return resolved;
    // After the guards, so an administrator who may not reset still reads why (403), not this.
    if (!input.confirmed) return { ok: false as const, reason: 'invalid' as const, field: 'confirm' as const };
    const { user, request, fields } = resolved;
    const now = deps.clock.now();
    const reset = await resetSecondFactor(tx, {
      serverSecret: deps.config.session.secret,
      userId: user.id, actor: { userId: who.actor.id }, reason: fields.reason, details: fields.details, onBehalfOf: fields.onBehalfOf,
      reference: request?.reference ?? null, ip: who.ip, requestId: who.requestId, now, policies: deps.policies,
    });
    // The request's Delivery column follows this notice; the request completes when the user
    // enrols a new factor (recovery/request-completion.ts), not before: until then they are locked out.
    await enqueueEmail(tx, deps.config.session.secret, { kind: 'recovery_notice', to: user.email, userId: user.id, requestId: request?.id ?? null, email: recoveryNoticeEmail({ name: user.name, language: user.language, action: 'second_factor_reset', when: now }) }, now);
    if (request) await setRequestStatus(tx, request.id, { status: 'approved', delivery: 'pending' }, now);
    return { ok: true as const, userId: user.id, reference: request?.reference ?? null, removed: reset.removed, revoked: reset.revokedSessions };
  });
  if (!outcome.ok) return outcome;
  deps.sessions.announceRevoked(outcome.revoked);
  // The account's obligations changed (`admin_reset`): no cached view of it may outlive that.
  deps.sessions.forgetUser(outcome.userId);
  await deps.limits.resetSecondFactor(outcome.userId);
  return { ok: true, userId: outcome.userId, reference: outcome.reference, removed: outcome.removed };
}

/**
 * May this admin cancel requests at all, and are the reason and details acceptable? Cancel has
 * reasons of its own; the action reasons stay accepted for API callers of §5.
 */
export async function checkCancel(tx: Executor, deps: AdminActionDeps, who: ActingAdmin, input: ActionFieldsInput): Promise<{ ok: true; fields: ActionFields } | ActionFailure> {
  const { policy } = deps.policies.current();
  const general = mayUse(who.actor, 'cancel_request', permissionRules(policy), who.credential, deps.clock.nowMs());
  if (!general.ok) return { ok: false, reason: 'forbidden', refusal: general.refusal };
  return checkFields(tx, [...policy.recovery.cancel_reasons, ...policy.recovery.reasons], input);
}

/** Cancel: rejects and closes the request; a code issued for it stops working. */
export async function cancelRequest(deps: AdminActionDeps, who: ActingAdmin, reference: string, input: ActionFieldsInput): Promise<RequestCancelled | ActionFailure> {
  return deps.db.transaction(async (tx): Promise<RequestCancelled | ActionFailure> => {
    const checked = await checkCancel(tx, deps, who, input);
    if (!checked.ok) return checked;
    const request = await lockRequest(tx, reference);
    if (!request) return { ok: false, reason: 'not_found' };
    const user = request.userId ? await findUserById(tx, request.userId) : undefined;
    if (user) {
      const over = mayActOn(who.actor, user, 'cancel_request', await countActiveSuperAdmins(tx));
      if (!over.ok) return { ok: false, reason: 'forbidden', refusal: over.refusal };
    }
    if (!OPEN.has(request.status)) return { ok: false, reason: 'conflict', problem: 'request_closed' };
    const now = deps.clock.now();
    const voided = await voidRequestRecoveryCodes(tx, request.id, now);
    await setRequestStatus(tx, request.id, { status: 'cancelled', closedReason: checked.fields.reason }, now);
    // Only a registered address hears of it, never the one typed into the form (SECURITY A3).
    if (user?.active) {
      await enqueueEmail(tx, deps.config.session.secret, { kind: 'request_closed', to: user.email, userId: user.id, email: requestClosedEmail({ name: user.name, language: user.language, reference, reason: checked.fields.reason }) }, now);
    }
    await writeAudit(tx, deps.config.session.secret, {
      event: 'recovery_request.cancelled', at: now, actor: { userId: who.actor.id }, userId: request.userId, ip: who.ip,
      location: describeLocation(deps.geoip.lookup(who.ip)), reason: checked.fields.reason, requestId: who.requestId,
      details: { reference, previous_status: request.status, codes_voided: voided, ...fieldDetails(checked.fields) },
    });
    return { ok: true, reference };
  });
}

/** Generate code on a request (`POST …/recovery-requests/{reference}/generate-code`). */
export function generateRecoveryCodeForRequest(deps: AdminActionDeps, who: ActingAdmin, reference: string, input: ActionFieldsInput & { delivery?: unknown }) {
  return issueRecoveryCodeFor(deps, who, { reference }, input);
}

/** Send recovery code email, for an account or a request's account (`POST …/users/{id}/send-recovery-code`). */
export function sendRecoveryCodeEmail(deps: AdminActionDeps, who: ActingAdmin, target: ActionTarget, input: ActionFieldsInput) {
  return issueRecoveryCodeFor(deps, who, target, { ...input, delivery: 'email' });
}
