/**
 * The one ladder every account-management action climbs (CONTRACT §8.4 `P/admin/users…`):
 * capability (403, before anything about the account is told) → the account (404) → this change
 * on this account (403) — inside the action's transaction, with the active super_admins and the
 * account locked and the acting administrator read again under that lock, so two administrators
 * acting on each other at once are judged one after the other on what the first one did.
 */
import type { Database, Executor } from '../../db/client.js';
import { lockActiveSuperAdmins } from '../../db/queries/admin.js';
import { lockUserById } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../policy/schema.js';
import type { SessionManager } from '../session/manager.js';
import type { ActingAdmin } from './actions.js';
import { loadActor } from './actor.js';
import type { FieldProblem } from './new-account.js';
import { mayChangeAccount, mayUse, permissionRules, type AccountChange, type AdminActor, type ManagedAccount, type Refusal } from './permissions.js';

export interface ManageDeps {
  db: Database;
  clock: Clock;
  config: Pick<Config, 'session' | 'server' | 'directory'>;
  policies: { current(): { policy: Policy } };
  sessions: Pick<SessionManager, 'revokeAllForUser' | 'forgetUser'>;
  /** Wakes the delivery worker once a transaction that queued a message has committed. */
  delivery?: { poke(): Promise<void> };
}

export type ManageConflict =
  /** Under `directory.kind: ldap` people are added in the directory. */
  | 'directory_kind'
  | 'duplicate_email'
  /** Disabled in the directory, not here: enabled there. */
  | 'directory_disabled'
  /** An invitation for an account that has chosen its password already. */
  | 'has_password'
  | 'account_disabled';

export type ManageFailure =
  | { ok: false; reason: 'forbidden'; refusal: Refusal }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'conflict'; problem: ManageConflict };

export const forbidden = (refusal: Refusal): ManageFailure => ({ ok: false, reason: 'forbidden', refusal });
export const conflict = (problem: ManageConflict): ManageFailure => ({ ok: false, reason: 'conflict', problem });

/**
 * A directory user's identity, role, type and groups are the directory's while it is the account
 * source (`linked`: the row has a directory id); under `local` every row is edited here.
 */
export function directoryOwns(config: Pick<Config, 'directory'>, linked: boolean): boolean {
  return config.directory.kind === 'ldap' && linked;
}

export function managedAccount(user: UserRow, config: Pick<Config, 'directory'>): ManagedAccount {
  return { id: user.id, role: user.role, active: user.active, directoryOwned: directoryOwns(config, user.directoryId !== null) };
}

type Allowed = { ok: true; actor: AdminActor; superAdmins: number };

/** The capability alone, from the actor as read now (the first rung, and the add form's). */
export async function mayManage(tx: Executor, deps: ManageDeps, who: ActingAdmin): Promise<Allowed | ManageFailure> {
  const superAdmins = await lockActiveSuperAdmins(tx);
  const actor = await loadActor(tx, who.actor.id);
  if (!actor) return forbidden('inactive');
  const check = mayUse(actor, 'manage_users', permissionRules(deps.policies.current().policy), who.credential, deps.clock.nowMs());
  return check.ok ? { ok: true, actor, superAdmins } : forbidden(check.refusal);
}

/** The account rungs, after mayManage; the account's row is locked for the rest of the transaction. */
export async function accountFor(tx: Executor, deps: ManageDeps, allowed: Allowed, userId: string, change: AccountChange): Promise<{ ok: true; target: UserRow } | ManageFailure> {
  const target = await lockUserById(tx, userId);
  if (!target) return { ok: false, reason: 'not_found' };
  const check = mayChangeAccount(allowed.actor, managedAccount(target, deps.config), change, allowed.superAdmins);
  return check.ok ? { ok: true, target } : forbidden(check.refusal);
}

/** All three rungs for a change to an existing account. */
export async function climbLadder(tx: Executor, deps: ManageDeps, who: ActingAdmin, userId: string, change: AccountChange): Promise<{ ok: true; target: UserRow } | ManageFailure> {
  const allowed = await mayManage(tx, deps, who);
  return allowed.ok ? accountFor(tx, deps, allowed, userId, change) : allowed;
}
