/**
 * Group names (CONTRACT §8.2). A name travels in a comma-separated header, an access rule and a
 * command line, so it is kept to a short set: 1–64 of the letters A–Z and a–z, the digits, and
 * `.` `_` `-` `@` and space, beginning and ending with a letter or digit, `.` `_` `-` or `@` (never
 * a space). No comma (the header's separator), no `*` (the policy's wildcard). Names are compared
 * exactly, case included, as the apps reading them compare them.
 */
export const MAX_GROUP_NAME = 64;
/** A bound on the groups header: 100 names of 64 characters stay under nginx's 8 KB header line. */
export const MAX_GROUPS_PER_USER = 100;

const GROUP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._@ -]*[A-Za-z0-9._@-])?$/;

export function isGroupName(name: string): boolean {
  return name.length <= MAX_GROUP_NAME && GROUP_NAME.test(name);
}

export const GROUP_NAME_RULE = `1–${MAX_GROUP_NAME} letters, digits, '.', '_', '-', '@' or inner spaces, starting with a letter or digit`;

export type GroupsOutcome = { ok: true; groups: string[] } | { ok: false; reason: 'invalid_name'; name: string } | { ok: false; reason: 'too_many' };

/** Checks a list of names; the answer is sorted and without duplicates, as it is stored. */
export function checkGroups(names: readonly string[]): GroupsOutcome {
  for (const name of names) if (!isGroupName(name)) return { ok: false, reason: 'invalid_name', name };
  const groups = [...new Set(names)].sort();
  if (groups.length > MAX_GROUPS_PER_USER) return { ok: false, reason: 'too_many' };
  return { ok: true, groups };
}

/** `a, b,c` as typed on a command line or in a form: split on commas, trimmed, empty parts dropped. */
export function parseGroupList(text: string): GroupsOutcome {
  return checkGroups(text.split(',').map((part) => part.trim()).filter((part) => part !== ''));
}

/** One line for a person: why a list was refused. */
export function describeGroupsProblem(outcome: Exclude<GroupsOutcome, { ok: true }>): string {
  return outcome.reason === 'too_many'
    ? `a user belongs to at most ${MAX_GROUPS_PER_USER} groups`
    : `invalid group name ${JSON.stringify(outcome.name)}: expected ${GROUP_NAME_RULE}`;
}
