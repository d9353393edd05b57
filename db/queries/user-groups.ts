/**
 * Users' group memberships. Callers pass names already checked by gateway/core/groups.ts; these
 * functions only store and read them, and report what changed for the audit row.
 */
import { and, eq, inArray, notInArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import { userGroups } from '../schema/index.js';

// Byte order, as JavaScript's sort() has it, whatever the database's locale: lists compare equal everywhere.
const BY_NAME = sql`${userGroups.name} collate "C"`;

export interface GroupsChange {
  added: string[];
  removed: string[];
}

/** Makes the user's groups exactly `groups` (inside the caller's transaction); returns the difference. */
export async function setUserGroups(tx: Executor, userId: string, groups: readonly string[]): Promise<GroupsChange> {
  const keep = [...groups];
  const removed = await tx.delete(userGroups)
    .where(keep.length > 0 ? and(eq(userGroups.userId, userId), notInArray(userGroups.name, keep)) : eq(userGroups.userId, userId))
    .returning({ name: userGroups.name });
  const added = keep.length === 0 ? [] : await tx.insert(userGroups)
    .values(keep.map((name) => ({ userId, name })))
    .onConflictDoNothing()
    .returning({ name: userGroups.name });
  return { added: added.map((row) => row.name).sort(), removed: removed.map((row) => row.name).sort() };
}

export async function groupsOfUser(db: Executor, userId: string): Promise<string[]> {
  const rows = await db.select({ name: userGroups.name }).from(userGroups).where(eq(userGroups.userId, userId)).orderBy(BY_NAME);
  return rows.map((row) => row.name);
}

/** Groups of several users at once (a page of a list), by user id; users without groups are absent. */
export async function groupsOfUsers(db: Executor, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  if (userIds.length === 0) return byUser;
  const rows = await db.select().from(userGroups).where(inArray(userGroups.userId, [...userIds])).orderBy(BY_NAME);
  for (const row of rows) {
    const list = byUser.get(row.userId);
    if (list) list.push(row.name);
    else byUser.set(row.userId, [row.name]);
  }
  return byUser;
}

/** The user's groups as a sorted JSON array, for selecting with the user in one query (the session view). */
export function groupsJson(userId: PgColumn | SQL): SQL<unknown> {
  return sql`coalesce((select json_agg(g.name order by g.name collate "C") from ${userGroups} g where g.user_id = ${userId}), '[]'::json)`;
}

/** Reads what `groupsJson` produced (drivers hand JSON back parsed or as text). */
export function parseGroupsJson(value: unknown): string[] {
  const names = typeof value === 'string' ? JSON.parse(value) as unknown : value;
  return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : [];
}
