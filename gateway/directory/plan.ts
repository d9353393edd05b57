/**
 * What a sync would do: compare the directory's entries with the local rows linked to them (pure).
 * Refresh applies the same plan without creating anyone; `recourse directory sync` prints it and,
 * with --apply, carries it out.
 */
import type { UserRow } from '../../db/schema/index.js';
import type { DirectoryPerson } from './entry.js';
import { changedFields, heldFields, localFields, type GroupMapping } from './person.js';

export interface SyncPlan {
  create: DirectoryPerson[];
  update: Array<{ row: UserRow; person: DirectoryPerson; changed: string[] }>;
  disable: Array<{ row: UserRow; why: 'removed' | 'disabled' }>;
  /** Entries whose address a local account (or another entry's row) already holds: left alone. */
  conflicts: Array<{ person: DirectoryPerson; holder: UserRow }>;
}

export interface PlanInput {
  people: readonly DirectoryPerson[];
  /** Every local row (linked or not): links by directory id, conflicts by address. */
  rows: readonly UserRow[];
  /** Stored groups by user id. */
  groupsOf: (userId: string) => readonly string[];
  mapping: GroupMapping;
}

export function planSync({ people, rows, groupsOf, mapping }: PlanInput): SyncPlan {
  const linked = new Map(rows.filter((r) => r.directoryId).map((r) => [r.directoryId!, r]));
  const byEmail = new Map(rows.map((r) => [r.email.toLowerCase(), r]));
  const plan: SyncPlan = { create: [], update: [], disable: [], conflicts: [] };
  const seen = new Set<string>();
  for (const person of people) {
    seen.add(person.id);
    const row = linked.get(person.id);
    const holder = byEmail.get(person.email.toLowerCase());
    if (holder && holder.id !== row?.id) {
      plan.conflicts.push({ person, holder });
      continue;
    }
    const fields = row ? heldFields(localFields(person, mapping), row) : localFields(person, mapping);
    if (!row) {
      // A disabled entry gets no row: it could not sign in with one.
      if (fields.active) plan.create.push(person);
      continue;
    }
    if (row.active && !fields.active) {
      plan.disable.push({ row, why: 'disabled' });
      continue;
    }
    const changed: string[] = changedFields(row, fields);
    if (!sameList(groupsOf(row.id), fields.groups)) changed.push('groups');
    if (changed.length > 0) plan.update.push({ row, person, changed });
  }
  for (const row of linked.values()) {
    if (!seen.has(row.directoryId!) && row.active) plan.disable.push({ row, why: 'removed' });
  }
  return plan;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
