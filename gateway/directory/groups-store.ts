/**
 * A directory user's group names in the users' groups storage (issue 26): the names the groups
 * header, the assertion and access rules see. A directory group whose name the gateway cannot carry
 * (a comma, say) is left out and reported, never stored half-escaped.
 */
import { groupsOfUser, setUserGroups } from '../../db/queries/user-groups.js';
import { isGroupName, MAX_GROUPS_PER_USER } from '../core/groups.js';

export { groupsOfUser as storedUserGroups, setUserGroups as storeUserGroups };

/** The names a user can carry, sorted without repeats (at most MAX_GROUPS_PER_USER), and the rest. */
export function usableGroupNames(names: readonly string[]): { usable: string[]; refused: string[] } {
  const unique = [...new Set(names)].sort();
  const usable = unique.filter(isGroupName);
  const refused = unique.filter((name) => !isGroupName(name));
  return { usable: usable.slice(0, MAX_GROUPS_PER_USER), refused: [...refused, ...usable.slice(MAX_GROUPS_PER_USER)] };
}
