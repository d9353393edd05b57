import type { Logger } from 'pino';
import type { Database } from '../../db/client.js';
import { claimDueMessages, markAttemptFailed, markSent, setRequestDelivery, type OutboxRow } from '../../db/queries/outbox.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import { startPokedLoop, type PokedLoop } from '../core/poked-loop.js';
import type { EmailTransport, SendResult, SmsTransport } from './message.js';
import { openMessageBody, outboxBodyKey, type MessageBody } from './sealed-body.js';

export interface DeliveryWorkerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  email: EmailTransport;
  sms: SmsTransport | null;
  /** session.secret: opens the sealed bodies (gateway/delivery/sealed-body.ts). */
  serverSecret: string;
  /** How often due messages are looked for when nobody pokes the worker. */
  pollMs?: number;
  /** A send that takes longer than this is presumed dead and retried elsewhere. */
  leaseMs?: number;
}

// Exponential backoff from 5 s, capped at 10 min: an SMTP outage of hours is retried every 10 min.
const BASE_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 600_000;
// About three days of retries at the cap; after that the message is marked failed for good.
const MAX_ATTEMPTS = 450;
// Messages claimed per round; a full batch means more may be due at once.
const BATCH = 20;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
}

/** Sends outbox rows with retries; safe to run in every instance at once. */
export function startDeliveryWorker(options: DeliveryWorkerOptions) {
  const { db, clock, logger } = options;
  const leaseMs = options.leaseMs ?? 60_000;

  const bodyKey = outboxBodyKey(options.serverSecret);

  /** Rows from before migration 0003 carry a plain body; every newer one is sealed. */
  function bodyOf(row: OutboxRow): MessageBody | undefined {
    if (row.sealedBody === null) return { text: row.text, html: row.html };
    return openMessageBody(bodyKey, row.id, row.sealedBody);
  }

  async function send(row: OutboxRow): Promise<SendResult> {
    const body = bodyOf(row);
    // Sealed under another secret (session.secret was rotated) or altered: it cannot be sent as written.
    if (!body) return { ok: false, retryable: false, error: 'the message body cannot be opened (was session.secret changed?)' };
    if (row.channel === 'email') return options.email.send({ to: row.recipient, subject: row.subject, ...body, reference: row.id });
    if (options.sms) return options.sms.send({ to: row.recipient, text: body.text, reference: row.id });
    return { ok: false, retryable: false, error: 'SMS is not configured (sms.webhook_url)' };
  }

  async function deliver(row: OutboxRow): Promise<void> {
    const result = await send(row);
    const now = clock.now();
    if (result.ok) {
      await db.transaction(async (tx) => {
        const sent = await markSent(tx, row.id, row.channel === 'email' ? 'email_sent' : 'sms_sent', now);
        if (sent?.requestId) await setRequestDelivery(tx, sent.requestId, sent.status, now);
      });
      logger.info({ event: 'delivery.sent', id: row.id, kind: row.kind, channel: row.channel }, 'message delivered');
      return;
    }
    const permanent = !result.retryable || row.attempts >= MAX_ATTEMPTS;
    await db.transaction(async (tx) => {
      await markAttemptFailed(tx, row.id, { error: result.error, permanent, nextAttemptAt: new Date(now.getTime() + backoffMs(row.attempts)) });
      // Admins see Failed at once; a retryable message is still retried and flips to sent later.
      if (row.requestId) await setRequestDelivery(tx, row.requestId, 'failed', now);
      await writeAudit(tx, options.serverSecret, {
        event: 'delivery.failed', at: now, actor: 'system', userId: row.userId,
        details: { message: row.id, kind: row.kind, channel: row.channel, attempt: row.attempts, permanent, error: result.error.slice(0, 200) },
      });
    });
    logger.warn({ event: 'delivery.failed', id: row.id, kind: row.kind, attempt: row.attempts, permanent, error: result.error }, 'message not delivered');
  }

  const loop: PokedLoop = startPokedLoop({
    pollMs: options.pollMs ?? 1_000,
    onError: (error) => logger.warn({ err: String(error) }, 'delivery worker could not read the outbox; will retry'),
    async round() {
      const rows = await claimDueMessages(db, clock.now(), leaseMs, BATCH);
      for (const row of rows) {
        if (loop.stopped) return false;
        await deliver(row).catch((error) => logger.error({ err: String(error), id: row.id }, 'delivery attempt crashed'));
      }
      return rows.length === BATCH;
    },
  });
  return {
    /** Look for due messages now (after a commit that enqueued one); resolves when this round is done. */
    poke: loop.poke,
    stop: loop.stop,
  };
}

export type DeliveryWorker = ReturnType<typeof startDeliveryWorker>;
