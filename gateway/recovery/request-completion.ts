/**
 * Requests that close (issue 28 item 4): a request answered with an access email completes when the
 * user sets the password; one answered with a 2FA reset when the user enrols a new factor (a
 * recovery code completes its own request when it is redeemed). What a request was answered with
 * is its latest answer on the audit chain: `access_email.sent`, `second_factor.reset` or
 * `recovery_request.code_generated`, each carrying the request's reference.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { completeApprovedRequest } from '../../db/queries/admin.js';
import { assistanceRequests, auditLog } from '../../db/schema/index.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';

export type Answer = 'access_email' | 'reset_2fa';

const ANSWER_EVENTS = ['recovery_request.code_generated', 'access_email.sent', 'second_factor.reset'];
const EVENT_OF: Readonly<Record<Answer, string>> = { access_email: 'access_email.sent', reset_2fa: 'second_factor.reset' };

export interface Completion {
  userId: string;
  answer: Answer;
  /** What the user did: `password.reset`, `totp.enrolled`, `webauthn.enrolled`. */
  after: string;
  now: Date;
  serverSecret: string;
  ip?: string | null;
  requestId?: string | null;
  actor?: AuditEntry['actor'];
}

async function latestAnswer(tx: Executor, userId: string, reference: string): Promise<string | undefined> {
  const [row] = await tx.select({ event: auditLog.event }).from(auditLog)
    .where(and(eq(auditLog.userId, userId), inArray(auditLog.event, ANSWER_EVENTS), sql`${auditLog.details}->>'reference' = ${reference}`))
    .orderBy(desc(auditLog.id)).limit(1);
  return row?.event;
}

/** In the caller's transaction: completes the user's approved requests answered this way; returns their references. */
export async function completeAnsweredRequests(tx: Executor, input: Completion): Promise<string[]> {
  const approved = await tx.select({ id: assistanceRequests.id, reference: assistanceRequests.reference }).from(assistanceRequests)
    .where(and(eq(assistanceRequests.userId, input.userId), eq(assistanceRequests.status, 'approved'))).for('update');
  const completed: string[] = [];
  for (const request of approved) {
    if (await latestAnswer(tx, input.userId, request.reference) !== EVENT_OF[input.answer]) continue;
    if (!await completeApprovedRequest(tx, request.id, input.now)) continue;
    await writeAudit(tx, input.serverSecret, {
      event: 'recovery_request.completed', at: input.now, actor: input.actor ?? { userId: input.userId }, userId: input.userId,
      ip: input.ip ?? null, requestId: input.requestId ?? null, details: { reference: request.reference, via: input.answer, after: input.after },
    });
    completed.push(request.reference);
  }
  return completed;
}
