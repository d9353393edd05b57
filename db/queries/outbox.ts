import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { assistanceRequests, outbox, type DeliveryStatus } from '../schema/index.js';

export type OutboxRow = typeof outbox.$inferSelect;

export interface NewOutboxMessage {
  /** Chosen by the caller: the sealed body is bound to it. */
  id: string;
  channel: 'email' | 'sms';
  kind: string;
  recipient: string;
  subject?: string;
  /** gateway/delivery/sealed-body.ts; the plain body is never stored. */
  sealedBody: string;
  userId?: string | null;
  requestId?: string | null;
}

export async function insertOutboxMessage(db: Executor, message: NewOutboxMessage, now: Date): Promise<string> {
  await db.insert(outbox).values({
    id: message.id, channel: message.channel, kind: message.kind, recipient: message.recipient,
    subject: message.subject ?? '', sealedBody: message.sealedBody,
    userId: message.userId ?? null, requestId: message.requestId ?? null,
    status: 'pending', nextAttemptAt: now, createdAt: now,
  });
  return message.id;
}

// A delivered or abandoned message keeps its envelope (who, what kind, when) but not its body.
const NO_BODY = { sealedBody: null, text: '', html: '' } as const;

/**
 * Claims due messages with a lease: SKIP LOCKED keeps two instances off the same rows, and the
 * lease lets another instance retry a row whose sender died mid-send.
 */
export async function claimDueMessages(db: Executor, now: Date, leaseMs: number, limit: number): Promise<OutboxRow[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const result = await db.execute(sql`
    update ${outbox} set locked_until = ${leaseUntil.toISOString()}::timestamptz, attempts = attempts + 1
    where id in (
      select id from ${outbox}
      where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz
        and (locked_until is null or locked_until < ${now.toISOString()}::timestamptz)
      order by next_attempt_at limit ${limit}
      for update skip locked)
    returning id`);
  const ids = ((result as unknown as { rows: Array<{ id: string }> }).rows ?? []).map((row) => row.id);
  if (ids.length === 0) return [];
  return db.select().from(outbox).where(sql`${outbox.id} in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
}

export async function markSent(db: Executor, id: string, status: Extract<DeliveryStatus, 'email_sent' | 'sms_sent'>, now: Date): Promise<OutboxRow | undefined> {
  const [row] = await db.update(outbox).set({ status, sentAt: now, lockedUntil: null, lastError: null, ...NO_BODY })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending'))).returning();
  return row;
}

export async function markAttemptFailed(db: Executor, id: string, input: { error: string; permanent: boolean; nextAttemptAt: Date }): Promise<OutboxRow | undefined> {
  const [row] = await db.update(outbox).set({
    status: input.permanent ? 'failed' : 'pending', lastError: input.error.slice(0, 500),
    nextAttemptAt: input.nextAttemptAt, lockedUntil: null, ...(input.permanent ? NO_BODY : {}),
  }).where(eq(outbox.id, id)).returning();
  return row;
}

/** A recovery request's Delivery column follows its latest message. */
export async function setRequestDelivery(db: Executor, requestId: string, delivery: DeliveryStatus, now: Date): Promise<void> {
  await db.update(assistanceRequests).set({ delivery, updatedAt: now }).where(eq(assistanceRequests.id, requestId));
}

export async function pendingCount(db: Executor): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(eq(outbox.status, 'pending'));
  return row?.n ?? 0;
}
