/**
 * What the outbox worker hands to a transport, and what it gets back. Transports never throw for a
 * failed delivery: they answer a SendResult so the worker alone decides about retries.
 */

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The outbox row id: becomes the Message-ID, so a resend after a crash is recognisably the same message. */
  reference: string;
}

export interface OutgoingSms {
  to: string;
  text: string;
  reference: string;
}

export type SendResult =
  | { ok: true; channel: 'email' | 'sms'; detail?: string }
  | { ok: false; retryable: boolean; error: string };

export interface EmailTransport {
  send(m: OutgoingEmail): Promise<SendResult>;
  /** Checks the configuration (SMTP login, a writable directory) without sending anything. */
  verify?(): Promise<boolean>;
  close(): void;
}

export interface SmsTransport {
  send(m: OutgoingSms): Promise<SendResult>;
}

// The reference goes into a header and a file name: no path separators, spaces or CR/LF.
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
// Exactly one bare address: a comma or angle bracket would let one stored value reach two inboxes.
const SINGLE_ADDRESS = /^[^\s@,;:<>()"\\]+@[^\s@,;:<>()"\\]+$/;

/** A stable Message-ID for an outbox row (RFC 5322 §3.6.4 msg-id). */
export function messageIdFor(reference: string): string {
  return `<${reference}@recourse>`;
}

/** Why this email must not be sent (a permanent failure), or undefined when it is well formed. */
export function checkEmail(m: OutgoingEmail): string | undefined {
  if (!REFERENCE.test(m.reference)) return 'invalid reference';
  if (!SINGLE_ADDRESS.test(m.to)) return 'invalid recipient address';
  if (/[\r\n]/.test(m.subject)) return 'subject contains a line break';
  return undefined;
}

/** The nodemailer message fields shared by the SMTP and file transports. */
export function mailFields(m: OutgoingEmail, from: string) {
  return {
    from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: messageIdFor(m.reference),
    // RFC 3834 §5: tells auto-responders not to answer a machine-generated message.
    headers: { 'Auto-Submitted': 'auto-generated' },
    xMailer: false as const,
  };
}

export function failure(retryable: boolean, error: string): SendResult {
  return { ok: false, retryable, error };
}
