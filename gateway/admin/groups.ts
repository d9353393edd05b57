/**
 * Changing a user's named groups (CONTRACT §8.2): one path for `recourse user set-groups` and the
 * dashboard, which changes them with role and type in one audited step (admin/manage-users.ts).
 * The change and its `user.updated` audit row commit together; an unchanged list writes nothing.
 */
import type { Executor } from '../../db/client.js';
import { groupsOfUser, setUserGroups, type GroupsChange } from '../../db/queries/user-groups.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';

/** What a `user.updated` row says of a groups change: the lists before and after, and the difference. */
export interface GroupsDetails extends GroupsChange {
  from: string[];
  to: string[];
}

/** Sets the groups inside the caller's transaction; the audit details when anything changed, else null. */
export async function applyUserGroups(tx: Executor, userId: string, groups: readonly string[]): Promise<GroupsDetails | null> {
  const from = await groupsOfUser(tx, userId);
  const change = await setUserGroups(tx, userId, groups);
  if (change.added.length === 0 && change.removed.length === 0) return null;
  return { from, to: [...groups].sort(), ...change };
}

/** Sets the groups and audits a change; returns what changed. */
export async function replaceUserGroups(
  tx: Executor,
  serverSecret: string,
  input: { userId: string; groups: readonly string[]; at: Date } & Pick<AuditEntry, 'actor' | 'ip' | 'requestId'>,
): Promise<GroupsChange> {
  const details = await applyUserGroups(tx, input.userId, input.groups);
  if (!details) return { added: [], removed: [] };
  await writeAudit(tx, serverSecret, {
    event: 'user.updated', at: input.at, actor: input.actor, userId: input.userId, ip: input.ip ?? null, requestId: input.requestId ?? null,
    details: { groups: details },
  });
  return { added: details.added, removed: details.removed };
}
