import { and, asc, desc, eq, gte, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { assistanceRequests, auditLog, users } from '../schema/index.js';

export type AssistanceRequestRow = typeof assistanceRequests.$inferSelect;

export interface NewAssistanceRequest {
  id: string;
  reference: string;
  submittedEmail: string;
  userId: string | null;
  type: string;
  message: string;
  ip: string;
  location: string;
  network: string;
  context: Record<string, unknown>;
  flags: string[];
  notifiedAdmins: string[];
  now: Date;
  /** Null for a request whose account work is still to do (gateway/recovery/assistance-intake.ts). */
  processedAt: Date | null;
}

export async function insertAssistanceRequest(tx: Executor, input: NewAssistanceRequest): Promise<void> {
  await tx.insert(assistanceRequests).values({
    id: input.id,
    reference: input.reference,
    submittedEmail: input.submittedEmail,
    userId: input.userId,
    type: input.type,
    message: input.message,
    createdAt: input.now,
    updatedAt: input.now,
    ip: input.ip,
    location: input.location,
    network: input.network,
    context: input.context,
    flags: input.flags,
    status: 'pending',
    delivery: 'pending',
    notifiedAdmins: input.notifiedAdmins,
    processedAt: input.processedAt,
  });
}

/**
 * The oldest request whose account work is still to do and that no worker holds right now (SKIP
 * LOCKED passes over a row another instance is processing; the lock ends with the statement).
 */
export async function nextUnprocessedRequest(db: Executor): Promise<AssistanceRequestRow | undefined> {
  const [row] = await db.select().from(assistanceRequests).where(isNull(assistanceRequests.processedAt))
    .orderBy(asc(assistanceRequests.createdAt)).limit(1).for('update', { skipLocked: true });
  return row;
}

/** That request, locked for the transaction that processes it, unless another worker has it or has done it. */
export async function lockUnprocessedRequest(tx: Executor, id: string): Promise<AssistanceRequestRow | undefined> {
  const [row] = await tx.select().from(assistanceRequests).where(and(eq(assistanceRequests.id, id), isNull(assistanceRequests.processedAt)))
    .for('update', { skipLocked: true });
  return row;
}

/** The account work's result, in the transaction that claimed the row. */
export async function completeRequestIntake(
  tx: Executor,
  id: string,
  input: { userId: string | null; context: Record<string, unknown>; flags: string[]; notifiedAdmins: string[]; now: Date },
): Promise<void> {
  await tx.update(assistanceRequests).set({
    userId: input.userId, context: input.context, flags: input.flags, notifiedAdmins: input.notifiedAdmins,
    processedAt: input.now, updatedAt: input.now,
  }).where(eq(assistanceRequests.id, id));
}

export async function findAssistanceRequestByReference(db: Executor, reference: string): Promise<AssistanceRequestRow | undefined> {
  const [row] = await db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)).limit(1);
  return row;
}

/**
 * Other requests since `since` for one account, or, when the email entered matches none, for that
 * email as typed (case-folded); `except` is the request being judged.
 */
export async function countRecentRequestsFor(db: Executor, who: { userId: string | null; email: string }, since: Date, except: string): Promise<number> {
  const subject = who.userId
    ? eq(assistanceRequests.userId, who.userId)
    : sql`lower(${assistanceRequests.submittedEmail}) = lower(${who.email})`;
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(assistanceRequests)
    .where(and(subject, gte(assistanceRequests.createdAt, since), ne(assistanceRequests.id, except)));
  return row?.n ?? 0;
}

/** Other requests since `since` whose context carries this network key (see gateway/recovery/suspicious.ts). */
export async function countRecentRequestsFromNetwork(db: Executor, networkKey: string, since: Date, except: string): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(assistanceRequests)
    .where(and(gte(assistanceRequests.createdAt, since), sql`${assistanceRequests.context}->>'networkKey' = ${networkKey}`, ne(assistanceRequests.id, except)));
  return row?.n ?? 0;
}

export interface RecentAuditEvent {
  at: Date;
  event: string;
  ip: string | null;
  location: string | null;
}

/** The newest audit rows about one user (audit_user_idx), newest first. */
export async function recentAuditEventsOf(db: Executor, userId: string, limit: number): Promise<RecentAuditEvent[]> {
  return db.select({ at: auditLog.at, event: auditLog.event, ip: auditLog.ip, location: auditLog.location })
    .from(auditLog).where(eq(auditLog.userId, userId)).orderBy(desc(auditLog.id)).limit(limit);
}

export interface AdminCandidate {
  id: string;
  email: string;
  name: string;
}

/**
 * Active administrators who may be told about requests: every super_admin, and admins and owners
 * whose data-protection level reaches `level` (CONTRACT §7). Email validity is the caller's check.
 */
export async function listNotifiableAdmins(db: Executor, level: number): Promise<AdminCandidate[]> {
  return db.select({ id: users.id, email: users.email, name: users.name }).from(users)
    .where(and(
      eq(users.active, true),
      or(eq(users.role, 'super_admin'), and(inArray(users.role, ['admin', 'owner']), gte(users.dataProtectionLevel, level))),
    ))
    .orderBy(users.email);
}
