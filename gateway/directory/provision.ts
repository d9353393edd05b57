/**
 * The local row of a directory user: created at first sign-in (or by sync), kept in step with the
 * entry afterwards. It links to the entry's immutable id, so a rename or a new address finds the
 * same row and the same factors; it never holds a password.
 */
import type { Executor } from '../../db/client.js';
import { findUserByDirectoryId } from '../../db/queries/directory-users.js';
import { createUser, findUserByEmail, updateUser } from '../../db/queries/users.js';
import type { UserRow } from '../../db/schema/index.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import type { DirectoryPerson } from './entry.js';
import { storeUserGroups } from './groups-store.js';
import { changedFields, heldFields, localFields, type GroupMapping, type LocalFields } from './person.js';

export type ProvisionOutcome =
  | { ok: true; user: UserRow; change: 'created' | 'updated' | 'unchanged'; changed: string[] }
  /** Another row (a local account, or an entry since relinked) holds the address. */
  | { ok: false; reason: 'email_conflict'; holder: string };

export interface ProvisionContext {
  mapping: GroupMapping;
  now: Date;
  serverSecret: string;
  /** Who caused it: the user signing in, `system` for refresh, `cli` for sync. */
  actor: AuditEntry['actor'];
  audit?: Pick<AuditEntry, 'ip' | 'requestId'>;
}

/** Creates or updates the row for `person` inside the caller's transaction, with its audit row. */
export async function provisionDirectoryUser(tx: Executor, person: DirectoryPerson, context: ProvisionContext): Promise<ProvisionOutcome> {
  const fields = localFields(person, context.mapping);
  const existing = await findUserByDirectoryId(tx, person.id);
  const holder = await findUserByEmail(tx, fields.email);
  if (holder && holder.id !== existing?.id) return { ok: false, reason: 'email_conflict', holder: holder.id };
  if (!existing) return create(tx, person, fields, context);
  return update(tx, existing, heldFields(fields, existing), context);
}

async function create(tx: Executor, person: DirectoryPerson, fields: LocalFields, context: ProvisionContext): Promise<ProvisionOutcome> {
  const created = await createUser(tx, {
    email: fields.email, name: fields.name, phone: fields.phone, role: fields.role, type: fields.type, directoryId: person.id,
  }, context.now);
  // The address was checked free a moment ago; a race with another sign-in lands here.
  if (!created.ok) throw new Error(`directory: ${person.dn}: email taken while creating the user`);
  let user = created.user;
  if (!fields.active) user = (await updateUser(tx, user.id, { active: false }, context.now)) ?? user;
  await storeUserGroups(tx, user.id, fields.groups);
  await writeAudit(tx, context.serverSecret, {
    ...context.audit, event: 'user.created', at: context.now, actor: context.actor, userId: user.id,
    details: {
      source: 'directory', directory_dn: person.dn, role: fields.role, type: fields.type, groups: fields.groups,
      ...(fields.groupsLeftOut.length > 0 ? { groups_left_out: fields.groupsLeftOut } : {}),
    },
  });
  return { ok: true, user, change: 'created', changed: [] };
}

async function update(tx: Executor, row: UserRow, fields: LocalFields, context: ProvisionContext): Promise<ProvisionOutcome> {
  const changed: string[] = changedFields(row, fields);
  const groups = await storeUserGroups(tx, row.id, fields.groups);
  if (groups.added.length + groups.removed.length > 0) changed.push('groups');
  if (changed.length === 0) return { ok: true, user: row, change: 'unchanged', changed };
  const { groups: _groups, groupsLeftOut, ...patch } = fields;
  const user = (await updateUser(tx, row.id, patch, context.now)) ?? row;
  const event = row.active && !fields.active ? 'user.disabled' : !row.active && fields.active ? 'user.enabled' : 'user.updated';
  await writeAudit(tx, context.serverSecret, {
    ...context.audit, event, at: context.now, actor: context.actor, userId: row.id,
    details: {
      source: 'directory', changed,
      ...(changed.includes('role') ? { role: { from: row.role, to: fields.role } } : {}),
      ...(changed.includes('type') ? { type: { from: row.type, to: fields.type } } : {}),
      ...(changed.includes('email') ? { email: { from: row.email, to: fields.email } } : {}),
      ...(groups.added.length + groups.removed.length > 0 ? { groups } : {}),
      ...(groupsLeftOut.length > 0 ? { groups_left_out: groupsLeftOut } : {}),
    },
  });
  return { ok: true, user, change: 'updated', changed };
}

