import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { createFileTransport } from './file.js';
import type { EmailTransport, SmsTransport } from './message.js';
import { createSmsWebhookTransport } from './sms-webhook.js';
import { createSmtpTransport } from './smtp.js';

/** SMTP when configured; otherwise .eml files in the outbox directory, so a fresh install works. */
export function createTransports(config: Config, logger: Logger, clock: Clock): { email: EmailTransport; sms: SmsTransport | null } {
  const email = config.mail.smtp_url
    ? createSmtpTransport({ url: config.mail.smtp_url, from: config.mail.from, tls: { rejectUnauthorized: config.mail.tls_reject_unauthorized } })
    : createFileTransport({ dir: config.mail.outbox_dir, from: config.mail.from, logger, clock });
  const sms = config.sms.webhook_url ? createSmsWebhookTransport({ url: config.sms.webhook_url }) : null;
  return { email, sms };
}
