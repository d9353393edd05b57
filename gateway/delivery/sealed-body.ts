/**
 * A message body at rest in the outbox. Bodies carry live secrets (an email sign-in code, a
 * recovery code, a password-reset link), and those are otherwise only ever stored hashed
 * (SECURITY B2/R1): so a waiting body is sealed with a key from the server secret, and the worker
 * clears it once the message is delivered or given up. A database dump shows neither.
 */
import { deriveKey } from '../security/hash.js';
import { openSecret, sealSecret } from '../security/secret-box.js';

export interface MessageBody {
  text: string;
  /** '' for SMS. */
  html: string;
}

export function outboxBodyKey(serverSecret: string): Buffer {
  return deriveKey(serverSecret, 'outbox-body');
}

/** Bound to the outbox row id: a sealed body copied onto another row (another recipient) does not open. */
export function sealMessageBody(key: Uint8Array, messageId: string, body: MessageBody): string {
  return sealSecret(key, JSON.stringify([body.text, body.html]), `outbox:${messageId}`);
}

/** The body, or undefined when the sealed value was tampered with, moved or sealed under another secret. */
export function openMessageBody(key: Uint8Array, messageId: string, sealed: string): MessageBody | undefined {
  const opened = openSecret(key, sealed, `outbox:${messageId}`);
  if (opened === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(opened);
    if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return undefined;
    return { text: parsed[0], html: parsed[1] };
  } catch {
    return undefined;
  }
}
