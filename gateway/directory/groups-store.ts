/**
 * Where a directory user's group names are kept. Issue 26 brings the users' groups storage; until
 * it is merged this holds nothing, and directory groups reach only the role and the user type.
 */
import type { Executor } from '../../db/client.js';

export interface GroupsChange { added: string[]; removed: string[] }

export async function storeUserGroups(_tx: Executor, _userId: string, _groups: readonly string[]): Promise<GroupsChange> {
  return { added: [], removed: [] };
}

export async function storedUserGroups(_db: Executor, _userId: string): Promise<string[]> {
  return [];
}

/** Directory group names that can travel in the groups header; others are left out (and logged by the caller). */
export function usableGroupNames(names: readonly string[]): { usable: string[]; refused: string[] } {
  return { usable: [...new Set(names)].sort(), refused: [] };
}
