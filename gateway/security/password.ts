import argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * Passwords are hashed with argon2id (OWASP Password Storage cheat sheet: m=19 MiB, t=2, p=1 is
 * the minimum, and these are it). argon2 runs in libuv's thread pool, off the event loop.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** libuv's default thread-pool size, used when UV_THREADPOOL_SIZE is unset or not a number. */
const DEFAULT_THREAD_POOL_SIZE = 4;
/** Pool threads a backlog of hashes never takes. */
const THREADS_KEPT_FREE = 2;

/**
 * How many hashes may run at once: all but two of libuv's threads, and at least one. The pool is
 * shared with WebCrypto (jose signs session tokens there), fs and dns.lookup, and serves first come,
 * first served: without a limit, a burst of sign-ins made every new session's token signature wait
 * behind the whole backlog of hashes, inside the sign-in's transaction, until the database pool
 * ran dry and proxied requests waited for their session re-check (docs/performance.md).
 */
export function hashConcurrency(threadPoolSize: string | undefined): number {
  const size = Number.parseInt(threadPoolSize ?? '', 10);
  const threads = Number.isInteger(size) && size > 0 ? size : DEFAULT_THREAD_POOL_SIZE;
  return Math.max(1, threads - THREADS_KEPT_FREE);
}

// Hashes past the limit wait here, in order, instead of in libuv's queue.
const hashSlots = pLimit(hashConcurrency(process.env.UV_THREADPOOL_SIZE));
const verifyInSlot = (stored: string, password: string) => hashSlots(() => argon2.verify(stored, password));

/** Hashes running and waiting for a slot (the `recourse_password_hashes` metric). */
export function hashLoad(): { running: number; waiting: number } {
  return { running: hashSlots.activeCount, waiting: hashSlots.pendingCount };
}

// NIST 800-63B §5.1.1.2: at least 8 characters; long passphrases must be allowed.
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hashSlots(() => argon2.hash(password, OPTIONS));
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies a password; with no stored hash it still spends the same work on a dummy hash, so
 * the response time does not reveal whether the account exists.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hashPassword('recourse-dummy-password');
    await verifyInSlot(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verifyInSlot(stored, password);
  } catch {
    return false;
  }
}

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}
