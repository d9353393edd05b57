/** Which action forms a page offers this administrator; the POST handlers check everything again. */
import { describeRefusal, mayUseOn, type Capability, type PermissionRules, type TargetAccount } from '../../admin/permissions.js';
import type { AdminPass } from '../guards/index.js';

/** null when the action is available (a stale second factor is asked for on submit), else why not. */
export function unavailableReason(pass: AdminPass, capability: Capability, rules: PermissionRules, nowMs: number, target: TargetAccount): string | null {
  const check = mayUseOn(pass.who.actor, capability, rules, pass.who.credential, nowMs, target, pass.shell.superAdmins);
  return check.ok || check.refusal === 'second_factor_required' ? null : describeRefusal(check.refusal);
}

export function accountActionAvailability(pass: AdminPass, rules: PermissionRules, nowMs: number, target: TargetAccount) {
  return {
    issue: unavailableReason(pass, 'issue_recovery_code', rules, nowMs, target),
    access: unavailableReason(pass, 'send_access_email', rules, nowMs, target),
    reset: unavailableReason(pass, 'reset_2fa', rules, nowMs, target),
  };
}

/** The action fields of a posted form, as given (the domain validates them). */
export function postedFields(form: Record<string, unknown>) {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    reason: text(form.reason), details: text(form.details), onBehalfOf: text(form.on_behalf_of), delivery: text(form.delivery),
    // A destructive action's form posts confirm=yes from behind its confirmation step.
    confirmed: form.confirm === 'yes',
  };
}
