import argon2 from 'argon2';
import pLimit from 'p-limit';

/**
 * Passwords are hashed with argon2id at m=7 MiB, t=5, p=1: of the five settings the OWASP Password
 * Storage cheat sheet lists as equal in the defence they give (19 MiB and 2 passes, 12 and 3, 9
 * and 4, 7 and 5, 46 and 1), the one that holds the least memory per hash in flight, as Keycloak's
 * default does. Against 19 MiB and 2 passes it holds 12 MiB less per hash running and, on the
 * 2-vCPU Intel VM of bench run P, cost ~25 % less CPU (24 against 32 ms). argon2 runs in libuv's
 * thread pool, off the event loop. Hashes stored with other settings still verify, and a sign-in
 * replaces them (`passwordNeedsRehash`).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 7_168, timeCost: 5, parallelism: 1 } as const;

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

/**
 * Thrown instead of queueing a hash behind a full queue: the sign-in is refused at once (503 and
 * Retry-After) rather than answered after a wait no one would sit through. Not a wrong password:
 * it must never count towards a ban.
 */
export class PasswordHashBusyError extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} password hashes are already waiting for a thread-pool slot`);
    this.name = 'PasswordHashBusyError';
  }
}

// Hashes past the limit wait here, in order, instead of in libuv's queue.
const hashSlots = pLimit(hashConcurrency(process.env.UV_THREADPOOL_SIZE));
// Unbounded until the gateway sets `server.password_hash_queue` (a CLI command hashes one password).
let queueLimit = Number.POSITIVE_INFINITY;
let refused = 0;

/**
 * Sets how many hashes may wait for a slot (`server.password_hash_queue`). The pool is the
 * process's, so the limit is too: the gateway sets it once at start.
 */
export function setHashQueueLimit(limit: number): void {
  if (!(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) throw new RangeError(`hash queue limit must be a whole number ≥ 0, got ${limit}`);
  queueLimit = limit;
}

// Checks running and waiting: the one count behind both the limit and hashLoad(). It drops before
// the caller resumes; p-limit's own counts drop a few microtasks later, so a caller checking again
// at once would find its own slot still taken.
let inFlight = 0;
const waitingNow = () => Math.max(0, inFlight - hashSlots.concurrency);

function inSlot<T>(hash: () => Promise<T>): Promise<T> {
  if (inFlight >= hashSlots.concurrency + queueLimit) {
    refused++;
    return Promise.reject(new PasswordHashBusyError(waitingNow()));
  }
  inFlight++;
  return hashSlots(hash).finally(() => { inFlight--; });
}

const verifyInSlot = (stored: string, password: string) => inSlot(() => argon2.verify(stored, password));

/** Hashes running, waiting for a slot, and refused since start (the `recourse_password_hashes*` metrics). */
export function hashLoad(): { running: number; waiting: number; refused: number } {
  return { running: Math.min(inFlight, hashSlots.concurrency), waiting: waitingNow(), refused };
}

// NIST 800-63B §5.1.1.2: at least 8 characters; long passphrases must be allowed.
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Throws PasswordHashBusyError when the queue is full. */
export function hashPassword(password: string): Promise<string> {
  return inSlot(() => argon2.hash(password, OPTIONS));
}

/**
 * Whether a stored hash was made with other settings than today's (an earlier release's 19 MiB
 * and two passes), so a sign-in that proved the password should store a new one. Not a hash at
 * all: no.
 */
export function passwordNeedsRehash(stored: string): boolean {
  try {
    return argon2.needsRehash(stored, OPTIONS);
  } catch {
    return false;
  }
}

/** The dummy hash is made outside the queue's limit: a full queue must not make it fail for good. */
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashSlots(() => argon2.hash('recourse-dummy-password', OPTIONS)));

/**
 * Verifies a password; with no stored hash it still spends the same work on a dummy hash, so
 * the response time does not reveal whether the account exists. A malformed stored hash is a
 * wrong password; a full queue (PasswordHashBusyError) is thrown, for any account alike.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  try {
    if (!stored) {
      await verifyInSlot(await dummy(), password);
      return false;
    }
    return await verifyInSlot(stored, password);
  } catch (error) {
    if (error instanceof PasswordHashBusyError) throw error;
    return false;
  }
}

export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}
