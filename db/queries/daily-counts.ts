/** How many assistance requests and login lockouts fell on each day, for the overview's chart. */
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { assistanceRequests, auditLog } from '../schema/index.js';

export type DayCounts = Map<string, number>;

// By position: the zone is a bound parameter, and the same expression written again in GROUP BY
// would bind it a second time, which PostgreSQL does not take for the same expression.
const FIRST_COLUMN = sql`1`;

/** Requests per calendar day (`YYYY-MM-DD` in `timeZone`) since `since` (assistance_created_idx). */
export async function requestsPerDay(db: Executor, since: Date, timeZone: string): Promise<DayCounts> {
  const day = sql<string>`to_char(${assistanceRequests.createdAt} at time zone ${timeZone}, 'YYYY-MM-DD')`;
  const rows = await db.select({ day, n: sql<number>`count(*)`.mapWith(Number) }).from(assistanceRequests)
    .where(gte(assistanceRequests.createdAt, since)).groupBy(FIRST_COLUMN);
  return new Map(rows.map((row) => [row.day, row.n]));
}

/** `login.locked` audit rows per calendar day since `since` (audit_at_idx): each is one ban begun. */
export async function lockoutsPerDay(db: Executor, since: Date, timeZone: string): Promise<DayCounts> {
  const day = sql<string>`to_char(${auditLog.at} at time zone ${timeZone}, 'YYYY-MM-DD')`;
  const rows = await db.select({ day, n: sql<number>`count(*)`.mapWith(Number) }).from(auditLog)
    .where(and(eq(auditLog.event, 'login.locked'), gte(auditLog.at, since))).groupBy(FIRST_COLUMN);
  return new Map(rows.map((row) => [row.day, row.n]));
}
