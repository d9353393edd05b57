/**
 * The audit log as administrators read it: newest first, filtered by event, subject user, actor
 * and time, keyset-paginated on the id (each filter has its (column, id) index in the schema).
 */
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { rowsOf, type Executor } from '../client.js';
import { auditLog, users } from '../schema/index.js';

export interface AuditFilter {
  event: string | null;
  userId: string | null;
  /** A user id, or the label `cli` / `system`. */
  actor: { userId: string } | { label: 'cli' | 'system' } | null;
  since: Date | null;
  until: Date | null;
  /** The id of the last row of the previous page. */
  beforeId: number | null;
  limit: number;
}

export interface AuditListRow {
  id: number;
  at: Date;
  event: string;
  actorId: string | null;
  actorLabel: string | null;
  actorEmail: string | null;
  userId: string | null;
  userEmail: string | null;
  ip: string | null;
  location: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

const actorUser = alias(users, 'actor_user');
const subjectUser = alias(users, 'subject_user');

/** Audit rows with the emails of their actor and subject, as the log page and the API show them. */
function selectAuditRows(db: Executor) {
  const a = auditLog;
  return db.select({
    id: a.id, at: a.at, event: a.event, actorId: a.actorId, actorLabel: a.actorLabel, actorEmail: actorUser.email,
    userId: a.userId, userEmail: subjectUser.email, ip: a.ip, location: a.location, reason: a.reason, details: a.details,
  })
    .from(a)
    .leftJoin(actorUser, eq(actorUser.id, a.actorId))
    .leftJoin(subjectUser, eq(subjectUser.id, a.userId));
}

export async function listAuditRows(db: Executor, filter: AuditFilter): Promise<AuditListRow[]> {
  const a = auditLog;
  const conditions: SQL[] = [];
  if (filter.event) conditions.push(eq(a.event, filter.event));
  if (filter.userId) conditions.push(eq(a.userId, filter.userId));
  if (filter.actor) conditions.push('userId' in filter.actor ? eq(a.actorId, filter.actor.userId) : eq(a.actorLabel, filter.actor.label));
  if (filter.since) conditions.push(gte(a.at, filter.since));
  if (filter.until) conditions.push(lt(a.at, filter.until));
  if (filter.beforeId !== null) conditions.push(lt(a.id, filter.beforeId));
  return selectAuditRows(db)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(a.id))
    .limit(filter.limit);
}

/** The newest rows of some events, each from its own audit_event_idx range, merged (the overview). */
export async function latestAuditRowsOf(db: Executor, events: readonly string[], limit: number): Promise<AuditListRow[]> {
  if (events.length === 0) return [];
  const result = await db.execute(sql`
    select id from (${sql.join(events.map((event) => sql`(select id from audit_log where event = ${event} order by id desc limit ${limit})`), sql` union all `)}) as latest
    order by id desc limit ${limit}`);
  const ids = rowsOf<{ id: string | number }>(result).map((row) => Number(row.id));
  if (ids.length === 0) return [];
  const a = auditLog;
  return selectAuditRows(db)
    .where(inArray(a.id, ids))
    .orderBy(desc(a.id));
}
