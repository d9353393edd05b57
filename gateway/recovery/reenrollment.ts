/**
 * Re-enrolment obligations (CONTRACT §3 `reenrollment`): a recovery step fires a trigger, the
 * policy's matching rules open obligations on the account, the request path enforces them from the
 * cached session, and doing what they require closes them. All writes happen in the caller's
 * transaction, after the caller's own audit row, so the obligation stands or falls with the action.
 */
import type { Executor } from '../../db/client.js';
import {
  closeObligations,
  insertObligation,
  listOpenObligations,
  lockObligationsOf,
  snoozeOpenObligations,
  tightenObligation,
  type OpenObligation,
} from '../../db/queries/obligations.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import { formatDuration } from '../core/duration.js';
import { factorAllowed } from '../policy/engine.js';
import { EVERYONE } from '../policy/fields.js';
import type { Policy, ReenrollmentEvent, ReenrollmentRule } from '../policy/schema.js';
import { completeAnsweredRequests } from './request-completion.js';

export type { OpenObligation };
export type Requirement = ReenrollmentRule['require'];
export { isBlocking, isNagging, obligationDetour, obligationState, withState, type ObligationState } from './obligation-state.js';

/** "Remind me later" postpones the interstitial by a day, never past the deadline. */
export const SNOOZE_MS = 86_400_000;

/** What the trigger needs; RouteDeps and the admin action deps satisfy it. */
export interface ReenrollmentDeps {
  policies: { current(): { policy: Policy } };
  /** session.secret keys the audit chain. */
  config: { session: { secret: string } };
}

/** Who caused it, for the audit row; absent fields are left empty. */
export interface AuditContext {
  actor?: AuditEntry['actor'];
  ip?: string | null;
  requestId?: string | null;
}

export interface TriggerInput extends AuditContext {
  userId: string;
  trigger: ReenrollmentEvent;
  role: string;
  type: string;
  now: Date;
  /** Added to the audit row (why the trigger fired, e.g. the new country). */
  details?: Record<string, unknown>;
}

export interface FiredObligation {
  id: string;
  requirement: Requirement;
  dueAt: Date | null;
  change: 'created' | 'tightened';
}

export interface TriggerOutcome {
  /** Obligations opened, or moved to an earlier deadline, by this trigger. */
  fired: FiredObligation[];
  /** Requirements a rule asked for that this user cannot meet under the policy (not opened). */
  unmeetable: Requirement[];
}

const listed = (list: readonly string[], value: string) => list.includes(EVERYONE) || list.includes(value);

/** Whether a rule's `roles` and `types` both include the user. */
export function ruleApplies(rule: ReenrollmentRule, who: { role: string; type: string }): boolean {
  return listed(rule.roles, who.role) && listed(rule.types, who.type);
}

/** The `reenrollment` rules that apply to a user's role and type, optionally for one trigger only. */
export function rulesFor(policy: Policy, who: { role: string; type: string }, trigger?: ReenrollmentEvent): ReenrollmentRule[] {
  return policy.reenrollment.filter((rule) => (!trigger || rule.on === trigger) && ruleApplies(rule, who));
}

/** Whether the policy leaves the user a way to meet the requirement; an obligation they cannot meet would lock them out. */
export function canMeet(policy: Policy, requirement: Requirement, who: { role: string; type: string }): boolean {
  if (requirement === 'regenerate_backup_codes') return factorAllowed(policy, 'backup_codes', who.role, who.type);
  return factorAllowed(policy, 'totp', who.role, who.type) || factorAllowed(policy, 'webauthn', who.role, who.type);
}

/** `immediate` or the grace period as written in policy files. */
export function describeWithin(withinMs: number): string {
  return withinMs === 0 ? 'immediate' : formatDuration(withinMs);
}

/** Whether deadline `a` comes before `b`; null (immediate) comes before every date. */
function earlier(a: Date | null, b: Date | null): boolean {
  if (a === null) return b !== null;
  return b !== null && a.getTime() < b.getTime();
}

/**
 * Opens the obligations the policy's rules name for `trigger`, for this user's role and type. One
 * open obligation per requirement: a second trigger keeps the earlier deadline. Audited
 * `reenrollment.required`. Call inside the transaction of the action that fired it.
 */
export async function fireReenrollmentTrigger(tx: Executor, deps: ReenrollmentDeps, input: TriggerInput): Promise<TriggerOutcome> {
  const { policy } = deps.policies.current();
  const wanted = new Map<Requirement, Date | null>();
  const unmeetable: Requirement[] = [];
  for (const rule of rulesFor(policy, input, input.trigger)) {
    if (!canMeet(policy, rule.require, input)) {
      unmeetable.push(rule.require);
      continue;
    }
    const dueAt = rule.within === 0 ? null : new Date(input.now.getTime() + rule.within);
    if (!wanted.has(rule.require) || earlier(dueAt, wanted.get(rule.require) ?? null)) wanted.set(rule.require, dueAt);
  }
  if (wanted.size === 0) return { fired: [], unmeetable };

  await lockObligationsOf(tx, input.userId);
  const open = await listOpenObligations(tx, input.userId);
  const fired: FiredObligation[] = [];
  for (const [requirement, dueAt] of wanted) {
    const existing = open.find((o) => o.requirement === requirement);
    if (existing && !earlier(dueAt, existing.dueAt)) continue;
    let id: string;
    if (existing) {
      await tightenObligation(tx, existing.id, dueAt);
      id = existing.id;
    } else {
      id = (await insertObligation(tx, { userId: input.userId, trigger: input.trigger, requirement, dueAt, now: input.now })).id;
    }
    fired.push({ id, requirement, dueAt, change: existing ? 'tightened' : 'created' });
    await writeAudit(tx, deps.config.session.secret, {
      event: 'reenrollment.required', at: input.now, actor: input.actor ?? 'system', userId: input.userId,
      ip: input.ip ?? null, requestId: input.requestId ?? null,
      details: {
        ...input.details, obligation: id, trigger: input.trigger, requirement, due_at: dueAt ? dueAt.toISOString() : 'immediate',
        ...(existing ? { tightened: true, previous_due_at: existing.dueAt?.toISOString() ?? 'immediate' } : {}),
      },
    });
  }
  return { fired, unmeetable };
}

/**
 * Closes the user's open obligations of one requirement once it is met (a new TOTP or WebAuthn
 * factor; a new backup-code set). Audited `reenrollment.completed`, one row per obligation.
 */
export async function completeObligations(
  tx: Executor,
  input: AuditContext & { userId: string; requirement: Requirement; now: Date; via: string; serverSecret: string },
): Promise<OpenObligation[]> {
  await lockObligationsOf(tx, input.userId);
  const closed = await closeObligations(tx, input);
  for (const obligation of closed) {
    await writeAudit(tx, input.serverSecret, {
      event: 'reenrollment.completed', at: input.now, actor: input.actor ?? { userId: input.userId }, userId: input.userId,
      ip: input.ip ?? null, requestId: input.requestId ?? null,
      details: { obligation: obligation.id, trigger: obligation.trigger, requirement: obligation.requirement, via: input.via },
    });
  }
  return closed;
}

/**
 * After a new second factor is enrolled: `enroll_second_factor` is met, and so is
 * `regenerate_backup_codes` when the enrolment came with a fresh backup-code set; a request
 * answered with a 2FA reset completes.
 */
export async function completeAfterEnrolment(
  tx: Executor,
  input: AuditContext & { userId: string; now: Date; via: 'totp.enrolled' | 'webauthn.enrolled'; codesIssued: boolean; serverSecret: string },
): Promise<OpenObligation[]> {
  const closed = await completeObligations(tx, { ...input, requirement: 'enroll_second_factor' });
  // A request answered with a 2FA reset is done once the user has a factor again (issue 28).
  await completeAnsweredRequests(tx, { ...input, answer: 'reset_2fa', after: input.via });
  if (!input.codesIssued) return closed;
  return [...closed, ...await completeObligations(tx, { ...input, requirement: 'regenerate_backup_codes', via: 'backup_codes.generated' })];
}

/** "Remind me later": postpones the interstitial of every obligation still before its deadline. */
export async function snoozeObligations(tx: Executor, input: { userId: string; now: Date }): Promise<OpenObligation[]> {
  return snoozeOpenObligations(tx, { ...input, until: new Date(input.now.getTime() + SNOOZE_MS) });
}

export function openObligations(db: Executor, userId: string): Promise<OpenObligation[]> {
  return listOpenObligations(db, userId);
}
