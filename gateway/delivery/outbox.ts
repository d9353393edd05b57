import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { insertOutboxMessage } from '../../db/queries/outbox.js';
import { outboxBodyKey, sealMessageBody } from './sealed-body.js';
import type { RenderedEmail } from './templates/index.js';

interface Envelope {
  kind: string;
  to: string;
  userId?: string | null;
  requestId?: string | null;
}

/**
 * The only way to send anything: write the message in the transaction of the event that caused
 * it (so a rolled-back action sends nothing and a committed one is never lost); the worker sends.
 * The body is sealed under `serverSecret` (session.secret) until then.
 */
export function enqueueEmail(tx: Executor, serverSecret: string, input: Envelope & { email: RenderedEmail }, now: Date): Promise<string> {
  const id = randomUUID();
  return insertOutboxMessage(tx, {
    id, channel: 'email', kind: input.kind, recipient: input.to, subject: input.email.subject,
    sealedBody: sealMessageBody(outboxBodyKey(serverSecret), id, { text: input.email.text, html: input.email.html }),
    userId: input.userId ?? null, requestId: input.requestId ?? null,
  }, now);
}

export function enqueueSms(tx: Executor, serverSecret: string, input: Envelope & { text: string }, now: Date): Promise<string> {
  const id = randomUUID();
  return insertOutboxMessage(tx, {
    id, channel: 'sms', kind: input.kind, recipient: input.to,
    sealedBody: sealMessageBody(outboxBodyKey(serverSecret), id, { text: input.text, html: '' }),
    userId: input.userId ?? null, requestId: input.requestId ?? null,
  }, now);
}
