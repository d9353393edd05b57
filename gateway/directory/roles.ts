/** Directory groups → role and user type (`role_groups`, `type_groups`): pure, first match wins. */
import type { Role, UserType } from '../../db/schema/index.js';
import type { LdapConfig } from '../config/directory-schema.js';
import type { DirectoryGroup } from './entry.js';

// Strongest first: a member of an owner group and an admin group is an owner.
const ROLE_ORDER = ['super_admin', 'owner', 'admin'] as const;
const TYPE_ORDER = ['employee', 'customer'] as const;

/** A DN compared as text: case and the spaces around separators do not matter. */
function normaliseDn(dn: string): string {
  return dn.toLowerCase().replace(/\s*([,=+])\s*/g, '$1').trim();
}

function isMember(groups: readonly DirectoryGroup[], wanted: readonly string[]): boolean {
  const names = new Set(groups.flatMap((g) => [normaliseDn(g.dn), g.name.toLowerCase()]));
  return wanted.some((w) => names.has(w.includes('=') ? normaliseDn(w) : w.toLowerCase()));
}

export function roleFromGroups(groups: readonly DirectoryGroup[], mapping: LdapConfig['role_groups']): Role {
  return ROLE_ORDER.find((role) => isMember(groups, mapping[role])) ?? 'user';
}

export function typeFromGroups(groups: readonly DirectoryGroup[], mapping: LdapConfig['type_groups']): UserType {
  return TYPE_ORDER.find((type) => isMember(groups, mapping[type])) ?? 'user';
}

/** The names the groups header and the access rules see: each group's cn, sorted, without repeats. */
export function groupNames(groups: readonly DirectoryGroup[]): string[] {
  return [...new Set(groups.map((g) => g.name))].sort();
}
