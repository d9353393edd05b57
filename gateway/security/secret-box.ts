/**
 * Encryption at rest for secrets the gateway must read back (TOTP seeds, SECURITY T3).
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url, AES-256-GCM.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit IVs
const TAG_BYTES = 16; // NIST SP 800-38D §5.2.1.2: full-length 128-bit tag

/**
 * `context` is authenticated but not stored (GCM additional data): pass e.g. the factor id so a
 * sealed value copied onto another row does not open there.
 */
export function sealSecret(key: Uint8Array, plaintext: string, context = ''): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, b64(iv), b64(tag), b64(ciphertext)].join('.');
}

/** The plaintext, or undefined when the value is malformed, tampered with, or sealed under another key or context. */
export function openSecret(key: Uint8Array, sealed: string, context = ''): string | undefined {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const iv = unb64(parts[1]!);
  const tag = unb64(parts[2]!);
  const ciphertext = unb64(parts[3]!);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function assertKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new RangeError(`secret-box key must be ${KEY_BYTES} bytes`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** Strict decode: Node's decoder skips stray characters, so insist the text is the canonical encoding. */
function unb64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
