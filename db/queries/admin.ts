/**
 * The recovery-request queue and its counts, for the dashboard and `GET P/api/v1/recovery-requests`.
 * Keyset pagination on (created_at, id), newest first: every page costs one index range scan on
 * assistance_status_idx (status filter) or assistance_created_idx (all statuses), however deep.
 */
import { and, desc, eq, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { assistanceRequests, users, type DeliveryStatus, type RequestStatus, type Role, type UserRow, type UserType } from '../schema/index.js';
import type { AssistanceRequestRow } from './assistance.js';

export interface RequestQueueFilter {
  status: RequestStatus | null;
  /** The type of the resolved account; requests that matched no account have none. */
  type: UserType | null;
  /** The last row of the previous page. */
  after: { createdAt: Date; id: string } | null;
  limit: number;
}

export interface RequestQueueRow {
  id: string;
  reference: string;
  /** lost_2fa, forgot_password… */
  kind: string;
  submittedEmail: string;
  userId: string | null;
  name: string | null;
  /** The account's registered address; null when the email typed matched no account. */
  email: string | null;
  role: Role | null;
  userType: UserType | null;
  ip: string | null;
  location: string | null;
  createdAt: Date;
  status: RequestStatus;
  delivery: DeliveryStatus;
  flags: string[];
}

export async function listRecoveryRequests(db: Executor, filter: RequestQueueFilter): Promise<RequestQueueRow[]> {
  const r = assistanceRequests;
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(r.status, filter.status));
  if (filter.type) conditions.push(eq(users.type, filter.type));
  if (filter.after) {
    // Written as a range on created_at so the index bounds the scan; the id breaks ties.
    const { createdAt, id } = filter.after;
    conditions.push(lte(r.createdAt, createdAt), or(lt(r.createdAt, createdAt), lt(r.id, id))!);
  }
  return db.select({
    id: r.id, reference: r.reference, kind: r.type, submittedEmail: r.submittedEmail, userId: r.userId,
    name: users.name, email: users.email, role: users.role, userType: users.type,
    ip: r.ip, location: r.location, createdAt: r.createdAt, status: r.status, delivery: r.delivery, flags: r.flags,
  })
    .from(r).leftJoin(users, eq(users.id, r.userId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(r.createdAt), desc(r.id))
    .limit(filter.limit);
}

export interface RequestWithAccount {
  request: AssistanceRequestRow;
  user: UserRow | null;
}

export async function findRequestWithAccount(db: Executor, reference: string): Promise<RequestWithAccount | undefined> {
  const [row] = await db.select({ request: assistanceRequests, user: users }).from(assistanceRequests)
    .leftJoin(users, eq(users.id, assistanceRequests.userId))
    .where(eq(assistanceRequests.reference, reference)).limit(1);
  return row ? { request: row.request, user: row.user } : undefined;
}

/** Locks the request row for an action, so two administrators cannot move it at once. */
export async function lockRequest(tx: Executor, reference: string): Promise<AssistanceRequestRow | undefined> {
  const [row] = await tx.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)).for('update');
  return row;
}

export async function setRequestStatus(
  tx: Executor,
  id: string,
  patch: { status: RequestStatus; delivery?: DeliveryStatus; closedReason?: string | null },
  now: Date,
): Promise<void> {
  await tx.update(assistanceRequests).set({ ...patch, updatedAt: now }).where(eq(assistanceRequests.id, id));
}

/** Moves a request to completed only if it is still approved (a cancelled one stays cancelled). */
export async function completeApprovedRequest(tx: Executor, id: string, now: Date): Promise<AssistanceRequestRow | undefined> {
  const [row] = await tx.update(assistanceRequests).set({ status: 'completed', updatedAt: now })
    .where(and(eq(assistanceRequests.id, id), eq(assistanceRequests.status, 'approved'))).returning();
  return row;
}

/** Pending requests: one count on assistance_status_idx. */
export async function countPendingRequests(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(assistanceRequests)
    .where(eq(assistanceRequests.status, 'pending'));
  return row?.n ?? 0;
}

/** Active super_admins (users_role_idx): the dashboard warns, and refuses a reset, when only one is left. */
export async function countActiveSuperAdmins(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(users)
    .where(and(eq(users.role, 'super_admin'), eq(users.active, true)));
  return row?.n ?? 0;
}

/**
 * The active super_admins' rows, locked until the transaction ends, and how many there are. Every
 * change that could leave none (a demotion, a disable) reads the count this way: two super_admins
 * demoting each other at once are serialised, and the second sees that only one is left.
 */
export async function lockActiveSuperAdmins(tx: Executor): Promise<number> {
  const rows = await tx.select({ id: users.id }).from(users)
    .where(and(eq(users.role, 'super_admin'), eq(users.active, true)))
    .orderBy(users.id).for('update');
  return rows.length;
}

/** The latest requests for one account (assistance_user_idx), for the user page. */
export async function recentRequestsOf(db: Executor, userId: string, limit: number) {
  return db.select({
    reference: assistanceRequests.reference, kind: assistanceRequests.type, createdAt: assistanceRequests.createdAt,
    status: assistanceRequests.status, delivery: assistanceRequests.delivery,
  }).from(assistanceRequests).where(eq(assistanceRequests.userId, userId))
    .orderBy(desc(assistanceRequests.createdAt)).limit(limit);
}

export interface OpenRequest {
  id: string;
  userId: string;
  reference: string;
  kind: string;
  createdAt: Date;
  status: RequestStatus;
}

/** The open (pending or approved) requests of these accounts, oldest first (assistance_user_idx). */
export async function openRequestsOf(db: Executor, userIds: readonly string[]): Promise<OpenRequest[]> {
  if (userIds.length === 0) return [];
  const r = assistanceRequests;
  const rows = await db.select({ id: r.id, userId: r.userId, reference: r.reference, kind: r.type, createdAt: r.createdAt, status: r.status })
    .from(r).where(and(inArray(r.userId, [...new Set(userIds)]), inArray(r.status, ['pending', 'approved'])))
    .orderBy(r.createdAt, r.id);
  return rows.map((row) => ({ ...row, userId: row.userId! }));
}
