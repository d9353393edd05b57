/** Re-enrolment obligation rows: open, tighten, close, snooze, and the open set a session carries. */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../client.js';
import { obligations } from '../schema/index.js';

/** An obligation not yet completed; `dueAt` null means immediate. */
export interface OpenObligation {
  id: string;
  trigger: string;
  requirement: string;
  dueAt: Date | null;
  snoozedUntil: Date | null;
  createdAt: Date;
}

// Any constant works; with the user it names the lock that keeps one open obligation per requirement.
const OBLIGATION_LOCK_CLASS = 727_002;

/** A 32-bit key from the user id for the two-key advisory lock (collisions only serialise). */
function lockKey(userId: string): number {
  return Number.parseInt(userId.replace(/-/g, '').slice(0, 8), 16) | 0;
}

/**
 * Serialises obligation changes for one user until the transaction ends, so two triggers racing
 * cannot both open the same requirement (there is no unique index on open rows).
 */
export async function lockObligationsOf(tx: Executor, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${OBLIGATION_LOCK_CLASS}::int, ${lockKey(userId)}::int)`);
}

const openColumns = {
  id: obligations.id,
  trigger: obligations.trigger,
  requirement: obligations.requirement,
  dueAt: obligations.dueAt,
  snoozedUntil: obligations.snoozedUntil,
  createdAt: obligations.createdAt,
};

export async function listOpenObligations(db: Executor, userId: string): Promise<OpenObligation[]> {
  return db.select(openColumns).from(obligations)
    .where(and(eq(obligations.userId, userId), isNull(obligations.completedAt)))
    .orderBy(asc(obligations.createdAt));
}

export async function insertObligation(
  tx: Executor,
  input: { userId: string; trigger: string; requirement: string; dueAt: Date | null; now: Date },
): Promise<OpenObligation> {
  const [row] = await tx.insert(obligations).values({
    id: randomUUID(), userId: input.userId, trigger: input.trigger, requirement: input.requirement, dueAt: input.dueAt, createdAt: input.now,
  }).returning(openColumns);
  return row!;
}

/** Moves an open obligation's deadline earlier; a snooze granted under the old deadline ends. */
export async function tightenObligation(tx: Executor, id: string, dueAt: Date | null): Promise<void> {
  await tx.update(obligations).set({ dueAt, snoozedUntil: null }).where(and(eq(obligations.id, id), isNull(obligations.completedAt)));
}

/** Completes every open obligation of one requirement; returns the rows closed. */
export async function closeObligations(tx: Executor, input: { userId: string; requirement: string; now: Date }): Promise<OpenObligation[]> {
  return tx.update(obligations).set({ completedAt: input.now })
    .where(and(eq(obligations.userId, input.userId), eq(obligations.requirement, input.requirement), isNull(obligations.completedAt)))
    .returning(openColumns);
}

/**
 * "Remind me later": every open obligation still before its deadline is snoozed until `until`,
 * capped at its deadline so a snooze never pushes an obligation past due. Returns the rows snoozed.
 */
export async function snoozeOpenObligations(tx: Executor, input: { userId: string; now: Date; until: Date }): Promise<OpenObligation[]> {
  return tx.update(obligations)
    .set({ snoozedUntil: sql`least(${input.until.toISOString()}::timestamptz, ${obligations.dueAt})` })
    .where(and(eq(obligations.userId, input.userId), isNull(obligations.completedAt), gt(obligations.dueAt, input.now)))
    .returning(openColumns);
}

/**
 * A column expression with the user's open obligations as JSON, so the session loader fetches
 * them in its own query (one round trip per re-check, none per request). Times are epoch ms.
 */
export function openObligationsJson(userId: PgColumn): SQL<unknown> {
  return sql`coalesce((
    select json_agg(json_build_object(
      'id', o.id, 'trigger', o.trigger, 'requirement', o.requirement,
      'due', floor(extract(epoch from o.due_at) * 1000), 'snoozed', floor(extract(epoch from o.snoozed_until) * 1000),
      'created', floor(extract(epoch from o.created_at) * 1000)
    ) order by o.created_at)
    from ${obligations} o where o.user_id = ${userId} and o.completed_at is null
  ), '[]'::json)`;
}

interface ObligationJson { id: string; trigger: string; requirement: string; due: number | null; snoozed: number | null; created: number }

/** Reads what `openObligationsJson` produced (drivers hand JSON back parsed or as text). */
export function parseOpenObligationsJson(value: unknown): OpenObligation[] {
  const rows = (typeof value === 'string' ? JSON.parse(value) : value) as ObligationJson[] | null;
  if (!Array.isArray(rows)) return [];
  const date = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)));
  return rows.map((row) => ({
    id: row.id,
    trigger: row.trigger,
    requirement: row.requirement,
    dueAt: date(row.due),
    snoozedUntil: date(row.snoozed),
    createdAt: new Date(Number(row.created)),
  }));
}
