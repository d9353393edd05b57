/**
 * Who may do what on the dashboard and the API (CONTRACT §7, SECURITY D1–D3, R2). Pure: the caller
 * passes the actor's CURRENT row (read on every request, so a revoked permission bites at once),
 * the credential the request rode on, and the policy's rules.
 */
import type { Role, UserType } from '../../db/schema/index.js';

export { FRESH_SECOND_FACTOR_MS } from '../session/freshness.js';
import { secondFactorIsFresh } from '../session/freshness.js';

const ADMIN_ROLES: ReadonlySet<Role> = new Set(['super_admin', 'owner', 'admin']);
const MANAGER_ROLES: ReadonlySet<Role> = new Set(['super_admin', 'owner']);
// Higher outranks lower; nobody acts on an account that outranks their own.
const RANK: Readonly<Record<Role, number>> = { super_admin: 3, owner: 2, admin: 1, user: 0 };

export interface AdminActor {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  dataProtectionLevel: number;
  expertMode: boolean;
}

/** An interactive session (with when its second factor was last passed) or an API token. */
export type Credential = { kind: 'session'; secondFactorAt: Date | null } | { kind: 'token' };

export interface PermissionRules {
  /** policy recovery.data_protection_level */
  dataProtectionLevel: number;
  /** policy recovery.reset_2fa_roles */
  reset2faRoles: readonly Role[];
}

export type Capability =
  /** The dashboard at all: overview, users list, backup-code statistics. */
  | 'dashboard'
  /** The request queue and detail, the audit log; being notified of requests. */
  | 'see_requests'
  | 'cancel_request'
  | 'send_access_email'
  /** Generating a recovery code or emailing one (expert mode, SECURITY R2). */
  | 'issue_recovery_code'
  | 'reset_2fa'
  /** Setting another administrator's data-protection level and expert mode. */
  | 'manage_admins'
  /**
   * Managing accounts: adding (an invitation), disabling and enabling, role, type and named groups
   * (groups can open access rules, CONTRACT §8.2), ending sessions. Owners and super_admins, on a
   * session whose second factor is fresh: a role or a group change can open every app.
   */
  | 'manage_users'
  /** Saving the Settings page into the policy files (CONTRACT §8.4): it can switch factors off. */
  | 'change_settings';

export type Refusal =
  | 'inactive'
  | 'not_admin'
  | 'data_protection'
  | 'expert_mode'
  | 'second_factor_required'
  /** An API token asked for an action that bypasses a second factor; only a session can (SECURITY T1). */
  | 'token_not_allowed'
  | 'reset_role'
  | 'not_manager'
  | 'self'
  | 'outranked'
  | 'not_an_administrator'
  | 'sole_super_admin'
  /** A role above the actor's own (an owner cannot make anyone super_admin). */
  | 'role_above_own'
  /** Under `directory.kind: ldap` a directory user's identity, role, type and groups come from the directory. */
  | 'directory_owned';

export type Check = { ok: true } | { ok: false; refusal: Refusal };

const ALLOWED: Check = { ok: true };
const refuse = (refusal: Refusal): Check => ({ ok: false, refusal });

export function isAdminRole(role: string): boolean {
  return ADMIN_ROLES.has(role as Role);
}

export function hasDataProtection(actor: AdminActor, rules: PermissionRules): boolean {
  return actor.role === 'super_admin' || (isAdminRole(actor.role) && actor.dataProtectionLevel >= rules.dataProtectionLevel);
}

/** Whether a session passed its second factor within FRESH_SECOND_FACTOR_MS of `nowMs`. */
export function hasFreshSecondFactor(credential: Credential, nowMs: number): boolean {
  return credential.kind === 'session' && secondFactorIsFresh(credential.secondFactorAt, nowMs);
}

/**
 * Issuing a recovery code and resetting 2FA let someone in without the account's second factor,
 * and managing users can hand out roles and groups that open every app, so whoever does it must
 * have passed their own within the last 10 minutes (SECURITY D2, T1; CONTRACT §8.4). An API
 * token never passed one, whoever holds it.
 */
function freshSessionOnly(credential: Credential, nowMs: number): Check {
  if (credential.kind === 'token') return refuse('token_not_allowed');
  return hasFreshSecondFactor(credential, nowMs) ? ALLOWED : refuse('second_factor_required');
}

/** May this actor use this capability at all (before any particular account is considered)? */
export function mayUse(actor: AdminActor, capability: Capability, rules: PermissionRules, credential: Credential, nowMs: number): Check {
  if (!actor.active) return refuse('inactive');
  if (!isAdminRole(actor.role)) return refuse('not_admin');
  const superAdmin = actor.role === 'super_admin';
  switch (capability) {
    case 'dashboard':
      return ALLOWED;
    case 'see_requests':
    case 'cancel_request':
    case 'send_access_email':
      return hasDataProtection(actor, rules) ? ALLOWED : refuse('data_protection');
    case 'issue_recovery_code':
      if (!hasDataProtection(actor, rules)) return refuse('data_protection');
      if (!superAdmin && !actor.expertMode) return refuse('expert_mode');
      return freshSessionOnly(credential, nowMs);
    case 'reset_2fa':
      if (!superAdmin && !rules.reset2faRoles.includes(actor.role)) return refuse('reset_role');
      return freshSessionOnly(credential, nowMs);
    case 'manage_admins':
      return MANAGER_ROLES.has(actor.role) ? ALLOWED : refuse('not_manager');
    case 'manage_users':
      if (!MANAGER_ROLES.has(actor.role)) return refuse('not_manager');
      return freshSessionOnly(credential, nowMs);
    case 'change_settings':
      // Turning a factor off or lengthening a recovery code's life weakens every account at once.
      if (!MANAGER_ROLES.has(actor.role)) return refuse('not_manager');
      return freshSessionOnly(credential, nowMs);
  }
}

export interface TargetAccount {
  id: string;
  role: Role;
}

/** An account as the management checks see it. */
export interface ManagedAccount extends TargetAccount {
  active: boolean;
  /** Its identity, role, type and groups come from the directory (a linked row under `directory.kind: ldap`). */
  directoryOwned: boolean;
}

/** What an administrator wants to change; absent fields stay as they are. */
export interface AccountChange {
  role?: Role;
  type?: UserType;
  groups?: readonly string[];
  active?: boolean;
  /** Ending the account's sessions. */
  endSessions?: boolean;
}

/**
 * May this actor use `capability` on this account? Nobody acts on their own account or on one that
 * outranks theirs; the sole super_admin cannot be reset from the dashboard (SECURITY D3).
 */
export function mayActOn(actor: AdminActor, target: TargetAccount, capability: Capability, activeSuperAdmins: number): Check {
  if (actor.id === target.id) return refuse('self');
  if (capability === 'reset_2fa' && target.role === 'super_admin' && activeSuperAdmins <= 1) return refuse('sole_super_admin');
  if (RANK[target.role] > RANK[actor.role]) return refuse('outranked');
  if (capability === 'manage_admins' && !(target.role === 'admin' || target.role === 'owner')) return refuse('not_an_administrator');
  return ALLOWED;
}

/** Whether this actor may give this role, to a new account or an existing one: never above their own. */
export function mayAssignRole(actor: AdminActor, role: Role): Check {
  return RANK[role] > RANK[actor.role] ? refuse('role_above_own') : ALLOWED;
}

/**
 * May this actor make this change to this account (after `mayUse(…, 'manage_users', …)`)? Nobody
 * acts on their own account or on one that outranks theirs, nor gives a role above their own; a
 * directory user's role, type and groups belong to the directory (disabling, enabling and ending
 * sessions stay possible: an emergency stop); the sole active super_admin is never demoted or
 * disabled (SECURITY D3), whatever the count the caller read, which it must read under
 * lockActiveSuperAdmins so two super_admins cannot demote each other at once.
 */
export function mayChangeAccount(actor: AdminActor, target: ManagedAccount, change: AccountChange, activeSuperAdmins: number): Check {
  const over = mayActOn(actor, target, 'manage_users', activeSuperAdmins);
  if (!over.ok) return over;
  if (change.role !== undefined) {
    const assign = mayAssignRole(actor, change.role);
    if (!assign.ok) return assign;
  }
  const identity = change.role !== undefined || change.type !== undefined || change.groups !== undefined;
  if (identity && target.directoryOwned) return refuse('directory_owned');
  const losesSuperAdmin = (change.role !== undefined && change.role !== 'super_admin') || change.active === false;
  if (target.role === 'super_admin' && target.active && losesSuperAdmin && activeSuperAdmins <= 1) return refuse('sole_super_admin');
  return ALLOWED;
}

/** The two checks in their order, for callers that hold both the capability and the account. */
export function mayUseOn(
  actor: AdminActor, capability: Capability, rules: PermissionRules, credential: Credential, nowMs: number,
  target: TargetAccount, activeSuperAdmins: number,
): Check {
  const general = mayUse(actor, capability, rules, credential, nowMs);
  return general.ok ? mayActOn(actor, target, capability, activeSuperAdmins) : general;
}

/** The policy's rules as the permission checks take them. */
export function permissionRules(policy: { recovery: { data_protection_level: number; reset_2fa_roles: readonly Role[] } }): PermissionRules {
  return { dataProtectionLevel: policy.recovery.data_protection_level, reset2faRoles: policy.recovery.reset_2fa_roles };
}

/** A sentence for the administrator; the log gets the refusal code itself. */
export function describeRefusal(refusal: Refusal): string {
  switch (refusal) {
    case 'inactive': return 'Your account is disabled.';
    case 'not_admin': return 'Only administrators can do this.';
    case 'data_protection': return 'This needs the data-protection permission at the level the policy requires.';
    case 'expert_mode': return 'This needs expert mode on your administrator account.';
    case 'second_factor_required': return 'Confirm with your second factor first: this action needs one passed within the last 10 minutes.';
    case 'token_not_allowed': return 'API tokens cannot do this: it bypasses a second factor, so it needs an administrator signed in with a second factor passed within the last 10 minutes.';
    case 'reset_role': return 'Your role may not reset two-factor sign-in (policy recovery.reset_2fa_roles).';
    case 'not_manager': return 'Only owners and super administrators manage users, permissions, groups and settings.';
    case 'self': return 'Nobody acts on their own account; ask another administrator.';
    case 'outranked': return 'This account has a higher role than yours.';
    case 'not_an_administrator': return 'Permissions apply to administrators (admin or owner) only.';
    case 'sole_super_admin': return 'This is the only super administrator: it cannot be reset, demoted or disabled from the dashboard (the shell can: `recourse user reset-2fa`).';
    case 'role_above_own': return 'Nobody gives a role above their own.';
    case 'directory_owned': return 'This account comes from the organisation\'s directory: change its email, name, role, type and groups there.';
  }
}
