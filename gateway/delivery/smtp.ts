/** Email through an SMTP relay (`mail.smtp_url`). Never logs: a message body may carry a code. */
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import { checkEmail, failure, mailFields, type EmailTransport, type SendResult } from './message.js';

export interface SmtpTransportOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465` (implicit TLS). */
  url: string;
  from: string;
  tls?: { rejectUnauthorized?: boolean; ca?: string };
  /** Bound on connecting, the greeting and each socket wait; nodemailer's defaults run to minutes. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

// Failures that say something about the message itself, so sending it again cannot help.
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMAXRECIPIENTS', 'EOTP', 'EFILEACCESS', 'EURLACCESS']);

export function createSmtpTransport(options: SmtpTransportOptions): EmailTransport {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = new URL(options.url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error('mail.smtp_url: expected smtp:// or smtps://');
  }
  // No pool: recovery mail is low volume, and a fresh connection per message means a stale pooled
  // connection can never fail a send.
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    tls: { ...options.tls },
    logger: false,
    debug: false,
  });

  return {
    async send(m) {
      const problem = checkEmail(m);
      if (problem) return failure(false, problem);
      try {
        const info = await transporter.sendMail(mailFields(m, options.from));
        return { ok: true, channel: 'email', detail: info.response };
      } catch (err) {
        return classifySmtpError(err);
      }
    },
    async verify() {
      try {
        return await transporter.verify();
      } catch {
        return false;
      }
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * RFC 5321 §4.2.1: a 4yz reply is a transient failure, a 5yz reply a permanent one. 503 (bad
 * sequence of commands) is a session state problem, not a verdict on the message. Without an SMTP
 * reply the failure is the connection's (refused, reset, timed out, TLS, login) and worth retrying:
 * the message is fine, and the worker caps the attempts.
 */
export function classifySmtpError(err: unknown): SendResult {
  const e = (err ?? {}) as NodemailerError;
  const message = describe(e);
  if (typeof e.responseCode === 'number') {
    const permanent = typeof e.permanent === 'boolean'
      ? e.permanent
      : e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503;
    return failure(!permanent, message);
  }
  return failure(!PERMANENT_CODES.has(e.code ?? ''), message);
}

function describe(e: NodemailerError): string {
  const parts = [e.code ?? 'ERROR', e.responseCode, e.originalCode, e.message || String(e)];
  return parts.filter((p) => p !== undefined && p !== '').join(' ').slice(0, 500);
}
