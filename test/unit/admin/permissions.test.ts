import { describe, expect, it } from 'vitest';
import type { Role } from '../../../db/schema/index.js';
import {
  FRESH_SECOND_FACTOR_MS, hasDataProtection, mayActOn, mayAssignRole, mayChangeAccount, mayUse, mayUseOn,
  type AdminActor, type Capability, type Credential, type ManagedAccount, type PermissionRules,
} from '../../../gateway/admin/permissions.js';

const NOW = Date.parse('2026-03-01T09:00:00Z');
const rules: PermissionRules = { dataProtectionLevel: 2, reset2faRoles: ['super_admin', 'owner'] };
const fresh: Credential = { kind: 'session', secondFactorAt: new Date(NOW - 60_000) };
const stale: Credential = { kind: 'session', secondFactorAt: new Date(NOW - FRESH_SECOND_FACTOR_MS - 1) };
const token: Credential = { kind: 'token' };

function actor(role: Role, extra: Partial<AdminActor> = {}): AdminActor {
  return { id: `id-${role}`, email: `${role}@example.com`, name: role, role, active: true, dataProtectionLevel: 0, expertMode: false, ...extra };
}

const can = (a: AdminActor, capability: Capability, credential: Credential = fresh) => mayUse(a, capability, rules, credential, NOW);

describe('mayUse: capabilities by role, data-protection level and expert mode', () => {
  it('refuses users and disabled administrators everything', () => {
    for (const capability of ['dashboard', 'see_requests', 'issue_recovery_code', 'reset_2fa', 'manage_admins'] as const) {
      expect(can(actor('user', { dataProtectionLevel: 9, expertMode: true }), capability)).toEqual({ ok: false, refusal: 'not_admin' });
      expect(can(actor('super_admin', { active: false }), capability)).toEqual({ ok: false, refusal: 'inactive' });
    }
  });

  it('lets any administrator see the dashboard, but requests only from the policy level up', () => {
    expect(can(actor('admin'), 'dashboard').ok).toBe(true);
    expect(can(actor('admin', { dataProtectionLevel: 1 }), 'see_requests')).toEqual({ ok: false, refusal: 'data_protection' });
    expect(can(actor('admin', { dataProtectionLevel: 2 }), 'see_requests').ok).toBe(true);
    expect(can(actor('owner', { dataProtectionLevel: 3 }), 'send_access_email').ok).toBe(true);
    expect(can(actor('owner'), 'cancel_request')).toEqual({ ok: false, refusal: 'data_protection' });
    expect(hasDataProtection(actor('super_admin'), rules)).toBe(true);
  });

  it('issuing a recovery code needs the level, expert mode and a second factor passed within 10 minutes', () => {
    const expert = actor('admin', { dataProtectionLevel: 2, expertMode: true });
    expect(can(actor('admin', { expertMode: true }), 'issue_recovery_code')).toEqual({ ok: false, refusal: 'data_protection' });
    expect(can(actor('admin', { dataProtectionLevel: 2 }), 'issue_recovery_code')).toEqual({ ok: false, refusal: 'expert_mode' });
    expect(can(expert, 'issue_recovery_code').ok).toBe(true);
    expect(can(expert, 'issue_recovery_code', stale)).toEqual({ ok: false, refusal: 'second_factor_required' });
    expect(can(expert, 'issue_recovery_code', { kind: 'session', secondFactorAt: null })).toEqual({ ok: false, refusal: 'second_factor_required' });
    expect(can(expert, 'issue_recovery_code', { kind: 'session', secondFactorAt: new Date(NOW + 60_000) })).toEqual({ ok: false, refusal: 'second_factor_required' });
    expect(can(expert, 'issue_recovery_code', token)).toEqual({ ok: false, refusal: 'token_not_allowed' });
    // A super_admin holds every permission, but the freshness rule is about the session, not the role.
    expect(can(actor('super_admin'), 'issue_recovery_code').ok).toBe(true);
    expect(can(actor('super_admin'), 'issue_recovery_code', stale).ok).toBe(false);
    // Exactly ten minutes still counts as within.
    expect(can(expert, 'issue_recovery_code', { kind: 'session', secondFactorAt: new Date(NOW - FRESH_SECOND_FACTOR_MS) }).ok).toBe(true);
  });

  it('resetting 2FA bypasses a second factor: it needs one passed within 10 minutes, which a token never has', () => {
    for (const who of [actor('owner'), actor('super_admin')]) {
      expect(can(who, 'reset_2fa').ok).toBe(true);
      expect(can(who, 'reset_2fa', stale)).toEqual({ ok: false, refusal: 'second_factor_required' });
      expect(can(who, 'reset_2fa', { kind: 'session', secondFactorAt: null })).toEqual({ ok: false, refusal: 'second_factor_required' });
      expect(can(who, 'reset_2fa', token)).toEqual({ ok: false, refusal: 'token_not_allowed' });
    }
    // The role comes first: a token of an admin outside reset_2fa_roles hears about the role.
    expect(can(actor('admin'), 'reset_2fa', token)).toEqual({ ok: false, refusal: 'reset_role' });
    // Reads and the other actions stay open to tokens.
    for (const capability of ['dashboard', 'see_requests', 'send_access_email', 'cancel_request'] as const) {
      expect(can(actor('super_admin'), capability, token).ok).toBe(true);
    }
  });

  it('resetting 2FA follows reset_2fa_roles; super_admin always may', () => {
    expect(can(actor('admin', { dataProtectionLevel: 9, expertMode: true }), 'reset_2fa')).toEqual({ ok: false, refusal: 'reset_role' });
    expect(can(actor('owner'), 'reset_2fa').ok).toBe(true);
    expect(mayUse(actor('owner'), 'reset_2fa', { ...rules, reset2faRoles: ['admin'] }, fresh, NOW)).toEqual({ ok: false, refusal: 'reset_role' });
    expect(mayUse(actor('admin'), 'reset_2fa', { ...rules, reset2faRoles: ['admin'] }, fresh, NOW).ok).toBe(true);
    expect(mayUse(actor('super_admin'), 'reset_2fa', { ...rules, reset2faRoles: [] }, fresh, NOW).ok).toBe(true);
  });

  it('only owners and super_admins manage permissions; API tokens use the data permissions of their user', () => {
    expect(can(actor('admin', { dataProtectionLevel: 9 }), 'manage_admins')).toEqual({ ok: false, refusal: 'not_manager' });
    expect(can(actor('owner'), 'manage_admins').ok).toBe(true);
    expect(can(actor('admin', { dataProtectionLevel: 2 }), 'see_requests', token).ok).toBe(true);
  });

  it('saving settings: owners and super_admins with a fresh second factor, never a token (issue 28)', () => {
    expect(can(actor('admin', { dataProtectionLevel: 9, expertMode: true }), 'change_settings')).toEqual({ ok: false, refusal: 'not_manager' });
    expect(can(actor('owner'), 'change_settings').ok).toBe(true);
    expect(can(actor('super_admin'), 'change_settings').ok).toBe(true);
    expect(can(actor('owner'), 'change_settings', token)).toEqual({ ok: false, refusal: 'token_not_allowed' });
    expect(mayUse(actor('super_admin'), 'change_settings', rules, { kind: 'session', secondFactorAt: new Date(NOW - 11 * 60_000) }, NOW))
      .toEqual({ ok: false, refusal: 'second_factor_required' });
  });
});

describe('mayActOn: the account acted on', () => {
  const admin = actor('admin', { dataProtectionLevel: 9, expertMode: true });

  it('nobody acts on their own account', () => {
    for (const capability of ['issue_recovery_code', 'send_access_email', 'reset_2fa', 'cancel_request', 'manage_admins'] as const) {
      expect(mayActOn(admin, { id: admin.id, role: 'admin' }, capability, 2)).toEqual({ ok: false, refusal: 'self' });
      expect(mayActOn(actor('super_admin'), { id: 'id-super_admin', role: 'super_admin' }, capability, 2)).toEqual({ ok: false, refusal: 'self' });
    }
  });

  it('nobody acts on an account that outranks theirs', () => {
    expect(mayActOn(admin, { id: 'o', role: 'owner' }, 'send_access_email', 2)).toEqual({ ok: false, refusal: 'outranked' });
    expect(mayActOn(actor('owner'), { id: 's', role: 'super_admin' }, 'reset_2fa', 2)).toEqual({ ok: false, refusal: 'outranked' });
    expect(mayActOn(actor('owner'), { id: 's', role: 'super_admin' }, 'issue_recovery_code', 1)).toEqual({ ok: false, refusal: 'outranked' });
    expect(mayActOn(admin, { id: 'a2', role: 'admin' }, 'send_access_email', 2).ok).toBe(true);
    expect(mayActOn(admin, { id: 'u', role: 'user' }, 'issue_recovery_code', 1).ok).toBe(true);
  });

  it('the sole super_admin cannot be reset from the dashboard; one of two can', () => {
    const other = actor('super_admin', { id: 'other' });
    expect(mayActOn(other, { id: 's', role: 'super_admin' }, 'reset_2fa', 1)).toEqual({ ok: false, refusal: 'sole_super_admin' });
    expect(mayActOn(other, { id: 's', role: 'super_admin' }, 'reset_2fa', 2).ok).toBe(true);
    // Named as what it is, whoever asks.
    expect(mayActOn(actor('owner'), { id: 's', role: 'super_admin' }, 'reset_2fa', 1)).toEqual({ ok: false, refusal: 'sole_super_admin' });
    // Other actions on the sole super_admin are not this rule's business.
    expect(mayActOn(other, { id: 's', role: 'super_admin' }, 'send_access_email', 1).ok).toBe(true);
  });

  it('permissions are managed on administrators only', () => {
    expect(mayActOn(actor('owner'), { id: 'u', role: 'user' }, 'manage_admins', 1)).toEqual({ ok: false, refusal: 'not_an_administrator' });
    expect(mayActOn(actor('owner'), { id: 'a', role: 'admin' }, 'manage_admins', 1).ok).toBe(true);
    expect(mayActOn(actor('owner'), { id: 'o2', role: 'owner' }, 'manage_admins', 1).ok).toBe(true);
  });

  it('mayUseOn checks the capability before the account', () => {
    expect(mayUseOn(actor('admin'), 'reset_2fa', rules, fresh, NOW, { id: 'id-admin', role: 'admin' }, 2)).toEqual({ ok: false, refusal: 'reset_role' });
    expect(mayUseOn(actor('owner'), 'reset_2fa', rules, fresh, NOW, { id: 'id-owner', role: 'owner' }, 2)).toEqual({ ok: false, refusal: 'self' });
  });
});

describe('managing accounts (issue 27 item 6)', () => {
  const account = (role: Role, extra: Partial<ManagedAccount> = {}): ManagedAccount => ({ id: `t-${role}`, role, active: true, directoryOwned: false, ...extra });

  it('needs an owner or super_admin on a session whose second factor is fresh; never a token', () => {
    for (const role of ['owner', 'super_admin'] as const) {
      expect(can(actor(role), 'manage_users').ok).toBe(true);
      expect(can(actor(role), 'manage_users', stale)).toEqual({ ok: false, refusal: 'second_factor_required' });
      expect(can(actor(role), 'manage_users', { kind: 'session', secondFactorAt: null })).toEqual({ ok: false, refusal: 'second_factor_required' });
      expect(can(actor(role), 'manage_users', token)).toEqual({ ok: false, refusal: 'token_not_allowed' });
    }
    // The role comes first: an admin hears about the role, whatever the credential.
    expect(can(actor('admin', { dataProtectionLevel: 9, expertMode: true }), 'manage_users')).toEqual({ ok: false, refusal: 'not_manager' });
    expect(can(actor('admin'), 'manage_users', stale)).toEqual({ ok: false, refusal: 'not_manager' });
    expect(can(actor('owner', { active: false }), 'manage_users')).toEqual({ ok: false, refusal: 'inactive' });
  });

  it('gives no role above the actor\'s own', () => {
    expect(mayAssignRole(actor('owner'), 'super_admin')).toEqual({ ok: false, refusal: 'role_above_own' });
    for (const role of ['owner', 'admin', 'user'] as const) expect(mayAssignRole(actor('owner'), role).ok).toBe(true);
    expect(mayAssignRole(actor('super_admin'), 'super_admin').ok).toBe(true);
    expect(mayChangeAccount(actor('owner'), account('user'), { role: 'super_admin' }, 2)).toEqual({ ok: false, refusal: 'role_above_own' });
    expect(mayChangeAccount(actor('owner'), account('user'), { role: 'owner' }, 2).ok).toBe(true);
  });

  it('nobody changes their own account or one that outranks theirs', () => {
    const owner = actor('owner');
    for (const change of [{ active: false }, { role: 'user' as const }, { groups: [] }, { endSessions: true }, {}]) {
      expect(mayChangeAccount(owner, account('owner', { id: owner.id }), change, 2)).toEqual({ ok: false, refusal: 'self' });
      expect(mayChangeAccount(owner, account('super_admin'), change, 2)).toEqual({ ok: false, refusal: 'outranked' });
      expect(mayChangeAccount(actor('super_admin'), account('super_admin', { id: 'id-super_admin' }), change, 2)).toEqual({ ok: false, refusal: 'self' });
    }
    expect(mayChangeAccount(owner, account('owner'), { active: false }, 1).ok).toBe(true);
  });

  it('never demotes or disables the sole active super_admin; one of two may be', () => {
    const other = actor('super_admin', { id: 'other' });
    expect(mayChangeAccount(other, account('super_admin'), { role: 'owner' }, 1)).toEqual({ ok: false, refusal: 'sole_super_admin' });
    expect(mayChangeAccount(other, account('super_admin'), { active: false }, 1)).toEqual({ ok: false, refusal: 'sole_super_admin' });
    expect(mayChangeAccount(other, account('super_admin'), { active: false }, 0)).toEqual({ ok: false, refusal: 'sole_super_admin' });
    expect(mayChangeAccount(other, account('super_admin'), { role: 'owner' }, 2).ok).toBe(true);
    expect(mayChangeAccount(other, account('super_admin'), { active: false }, 2).ok).toBe(true);
    // Keeping the role, changing type or groups, ending sessions: still a super_admin afterwards.
    expect(mayChangeAccount(other, account('super_admin'), { role: 'super_admin', type: 'employee', groups: ['ops'] }, 1).ok).toBe(true);
    expect(mayChangeAccount(other, account('super_admin'), { endSessions: true }, 1).ok).toBe(true);
    // A disabled super_admin is not counted, so demoting it leaves the count as it is.
    expect(mayChangeAccount(other, account('super_admin', { active: false }), { role: 'admin' }, 1).ok).toBe(true);
  });

  it('leaves a directory user\'s role, type and groups to the directory, but may stop the account here', () => {
    const fromDirectory = account('user', { directoryOwned: true });
    expect(mayChangeAccount(actor('owner'), fromDirectory, { role: 'admin' }, 2)).toEqual({ ok: false, refusal: 'directory_owned' });
    expect(mayChangeAccount(actor('owner'), fromDirectory, { type: 'employee' }, 2)).toEqual({ ok: false, refusal: 'directory_owned' });
    expect(mayChangeAccount(actor('owner'), fromDirectory, { groups: ['ops'] }, 2)).toEqual({ ok: false, refusal: 'directory_owned' });
    expect(mayChangeAccount(actor('owner'), fromDirectory, { active: false }, 2).ok).toBe(true);
    expect(mayChangeAccount(actor('owner'), fromDirectory, { active: true }, 2).ok).toBe(true);
    expect(mayChangeAccount(actor('owner'), fromDirectory, { endSessions: true }, 2).ok).toBe(true);
  });
});
