/** A directory entry as the local row's fields: what sign-in, sync and refresh write (pure). */
import type { Role, UserRow, UserType } from '../../db/schema/index.js';
import type { LdapConfig } from '../config/directory-schema.js';
import type { DirectoryPerson } from './entry.js';
import { isE164 } from '../core/phone.js';
import { usableGroupNames } from './groups-store.js';
import { groupNames, roleFromGroups, typeFromGroups } from './roles.js';

export interface LocalFields {
  email: string;
  name: string;
  phone: string | null;
  role: Role;
  type: UserType;
  active: boolean;
  groups: string[];
  /** Directory group names the gateway cannot carry (a comma, more than 100), left out. */
  groupsLeftOut: string[];
}

export type GroupMapping = Pick<LdapConfig, 'role_groups' | 'type_groups'>;

export function localFields(person: DirectoryPerson, mapping: GroupMapping): LocalFields {
  return {
    email: person.email,
    name: person.name,
    phone: e164(person.phone),
    role: roleFromGroups(person.groups, mapping.role_groups),
    type: typeFromGroups(person.groups, mapping.type_groups),
    active: !person.disabled,
    ...(({ usable, refused }) => ({ groups: usable, groupsLeftOut: refused }))(usableGroupNames(groupNames(person.groups))),
  };
}

/**
 * What the row should hold: the directory's fields, except that an account an administrator
 * disabled here stays disabled whatever the directory says (an emergency stop that a refresh or a
 * sign-in must not undo; lifted only by enabling it here, docs/directory.md).
 */
export function heldFields(fields: LocalFields, row: Pick<UserRow, 'disabledByAdmin'>): LocalFields {
  return row.disabledByAdmin ? { ...fields, active: false } : fields;
}

/** The row's fields that differ from the directory's, by name (groups compared separately). */
export function changedFields(row: UserRow, fields: LocalFields): Array<keyof Omit<LocalFields, 'groups' | 'groupsLeftOut'>> {
  const keys = ['email', 'name', 'phone', 'role', 'type', 'active'] as const;
  return keys.filter((key) => row[key] !== fields[key]);
}

/** Directories hold numbers as people type them; SMS needs E.164 (spaces, dashes and brackets dropped). */
function e164(phone: string | null): string | null {
  if (!phone) return null;
  const compact = phone.replace(/[\s\-().]/g, '');
  return isE164(compact) ? compact : null;
}
