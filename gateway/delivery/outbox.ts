import type { Executor } from '../../db/client.js';
import { insertOutboxMessage } from '../../db/queries/outbox.js';
import type { RenderedEmail } from './templates/index.js';

/**
 * The only way to send anything: write the message in the transaction of the event that caused
 * it (so a rolled-back action sends nothing and a committed one is never lost); the worker sends.
 */
export function enqueueEmail(
  tx: Executor,
  input: { kind: string; to: string; email: RenderedEmail; userId?: string | null; requestId?: string | null },
  now: Date,
): Promise<string> {
  return insertOutboxMessage(tx, {
    channel: 'email', kind: input.kind, recipient: input.to, subject: input.email.subject,
    text: input.email.text, html: input.email.html, userId: input.userId ?? null, requestId: input.requestId ?? null,
  }, now);
}

export function enqueueSms(
  tx: Executor,
  input: { kind: string; to: string; text: string; userId?: string | null; requestId?: string | null },
  now: Date,
): Promise<string> {
  return insertOutboxMessage(tx, {
    channel: 'sms', kind: input.kind, recipient: input.to, text: input.text,
    userId: input.userId ?? null, requestId: input.requestId ?? null,
  }, now);
}
