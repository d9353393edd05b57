/** Every random value the gateway hands out comes from here, and here only from the OS CSPRNG. */
import { randomBytes } from 'node:crypto';

/** An opaque bearer token (session ids, challenges, CSRF tokens), base64url without padding. */
export function randomToken(bytes = 32): string {
  // W3C WebAuthn L2 §13.4.3: challenges need at least 16 random bytes; nothing here goes lower.
  if (!Number.isInteger(bytes) || bytes < 16) {
    throw new RangeError(`randomToken needs an integer of at least 16 bytes, got ${bytes}`);
  }
  return randomBytes(bytes).toString('base64url');
}

/**
 * `length` symbols drawn uniformly from `alphabet`. A byte is used only when it falls below the
 * largest multiple of the alphabet size that fits in 256, so every symbol is equally likely
 * (rejection sampling; `byte % size` alone would favour the first symbols).
 */
export function randomCode(alphabet: string, length: number): string {
  const symbols = [...alphabet];
  const size = symbols.length;
  if (size < 2 || size > 256 || new Set(symbols).size !== size) {
    throw new RangeError('randomCode needs 2 to 256 distinct symbols');
  }
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`randomCode needs a positive integer length, got ${length}`);
  }
  const limit = 256 - (256 % size);
  const picked: string[] = [];
  while (picked.length < length) {
    // Draw twice what is needed so one batch nearly always suffices despite rejections.
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      picked.push(symbols[byte % size]!);
      if (picked.length === length) break;
    }
  }
  return picked.join('');
}
