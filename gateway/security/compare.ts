/** The one constant-time comparison in the gateway; every secret check goes through it. */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when `a` and `b` hold the same bytes (strings as UTF-8). Both sides are hashed first so
 * `timingSafeEqual` always sees two 32-byte digests: inputs of different lengths return false
 * instead of throwing, and the comparison time does not depend on where they differ.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(value: string | Uint8Array): Buffer {
  return createHash('sha256').update(value).digest();
}
