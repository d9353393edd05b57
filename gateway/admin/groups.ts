/**
 * Changing a user's named groups (CONTRACT §8.2): one path for the CLI and the dashboard. The
 * change and its `user.updated` audit row commit together; an unchanged list writes nothing.
 * On the dashboard only owners and super_admins may change groups, never their own (groups can
 * open access rules), and never on an account that outranks theirs.
 */
import type { Database, Executor } from '../../db/client.js';
import { countActiveSuperAdmins } from '../../db/queries/admin.js';
import { setUserGroups, type GroupsChange } from '../../db/queries/user-groups.js';
import { findUserById } from '../../db/queries/users.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import { parseGroupList, type GroupsOutcome } from '../core/groups.js';
import type { Policy } from '../policy/schema.js';
import type { ActingAdmin } from './actions.js';
import { mayUseOn, permissionRules, type Refusal } from './permissions.js';

/** Sets the groups inside the caller's transaction and audits a change; returns what changed. */
export async function replaceUserGroups(
  tx: Executor,
  serverSecret: string,
  input: { userId: string; groups: readonly string[]; at: Date } & Pick<AuditEntry, 'actor' | 'ip' | 'requestId'>,
): Promise<GroupsChange> {
  const change = await setUserGroups(tx, input.userId, input.groups);
  if (change.added.length === 0 && change.removed.length === 0) return change;
  await writeAudit(tx, serverSecret, {
    event: 'user.updated', at: input.at, actor: input.actor, userId: input.userId, ip: input.ip ?? null, requestId: input.requestId ?? null,
    details: { groups: { added: change.added, removed: change.removed } },
  });
  return change;
}

export type GroupsEditOutcome =
  | { ok: true; change: GroupsChange }
  | { ok: false; reason: 'forbidden'; refusal: Refusal }
  | { ok: false; reason: 'invalid'; problem: Exclude<GroupsOutcome, { ok: true }> }
  | { ok: false; reason: 'not_found' };

/** The dashboard's group form: `text` is the list as typed, comma-separated. */
export async function setGroupsFromDashboard(
  deps: { db: Database; clock: Clock; policies: { current(): { policy: Policy } }; config: { session: { secret: string } } },
  who: ActingAdmin,
  userId: string,
  text: string,
): Promise<GroupsEditOutcome> {
  const rules = permissionRules(deps.policies.current().policy);
  return deps.db.transaction(async (tx): Promise<GroupsEditOutcome> => {
    const target = await findUserById(tx, userId);
    // Refuse a non-manager before telling them whether the id exists.
    const check = mayUseOn(who.actor, 'manage_groups', rules, who.credential, deps.clock.nowMs(), target ?? { id: '', role: 'user' }, await countActiveSuperAdmins(tx));
    if (!check.ok) return { ok: false, reason: 'forbidden', refusal: check.refusal };
    if (!target) return { ok: false, reason: 'not_found' };
    const parsed = parseGroupList(text);
    if (!parsed.ok) return { ok: false, reason: 'invalid', problem: parsed };
    const change = await replaceUserGroups(tx, deps.config.session.secret, {
      userId: target.id, groups: parsed.groups, at: deps.clock.now(), actor: { userId: who.actor.id }, ip: who.ip, requestId: who.requestId,
    });
    return { ok: true, change };
  });
}
