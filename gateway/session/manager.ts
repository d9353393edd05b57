import { LRUCache } from 'lru-cache';
import type { Database, Executor } from '../../db/client.js';
import type { Clock } from '../core/clock.js';
import { deriveKey, sha256Hex } from '../security/hash.js';
import { createViewCache } from './view-cache.js';
import { insertSession, loadSession, revokeSession, revokeUserSessions, touchSession, type NewSession, type SessionView } from './store.js';
import { signSessionToken, verifySessionToken } from './token.js';

export interface SessionManagerOptions {
  db: Database;
  clock: Clock;
  secret: string;
  maxAgeMs: number;
  idleTimeoutMs: number;
  /** How stale a cached session may be before the database is asked again (revocation latency). */
  recheckMs?: number;
  cacheSize?: number;
  /**
   * Whether a live session may be used now, beyond its own expiry (a directory user's, while the
   * directory has been checked recently). In memory only: it runs on every proxied request.
   */
  admit?(view: SessionView): boolean;
  /** A background re-read of a session failed (the database is unreachable, say). */
  onRecheckError?(error: unknown): void;
}

interface CachedToken { idHash: string; expiresAtMs: number }

// Writing last_seen on every request would put a database write on the hot path; a minute of
// slack on a 30-minute idle timeout is immaterial.
const TOUCH_INTERVAL_MS = 60_000;

/** How long a cached session view is trusted before it is read again (revocation reaches every instance within it). */
export const DEFAULT_RECHECK_MS = 1_000;
/** The fraction of the re-check window after which a busy session is re-read ahead of time. */
export const REFRESH_AHEAD_AT = 0.75;

export type SessionManager = ReturnType<typeof createSessionManager>;

/**
 * Sessions: a signed cookie holding a random id, a server-side row, and a bounded cache so a
 * proxied request verifies neither a signature nor a row more than once per `recheckMs`.
 */
export function createSessionManager(options: SessionManagerOptions) {
  const { db, clock, maxAgeMs, idleTimeoutMs } = options;
  const admit = options.admit ?? (() => true);
  const key = deriveKey(options.secret, 'session-token');
  const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
  const tokens = new LRUCache<string, CachedToken>({ max: options.cacheSize ?? 50_000 });
  // A busy session is re-read in the background during the last quarter of its window, so no
  // request waits for the database unless it takes longer than that quarter to answer.
  const views = createViewCache<SessionView>({
    load: (idHash) => loadSession(db, idHash), clock, max: options.cacheSize ?? 50_000,
    maxAgeMs: recheckMs, refreshAfterMs: recheckMs * REFRESH_AHEAD_AT,
    ...(options.onRecheckError ? { onRefreshError: options.onRecheckError } : {}),
  });
  const revokedListeners: Array<(idHashes: string[]) => void> = [];
  // Longer than any transaction that revokes; a revoked id never comes back, so this only ever refuses.
  const revokedRecently = new LRUCache<string, true>({ max: 100_000, ttl: 10_000 });

  async function issue(tx: Executor, input: NewSession): Promise<{ cookieValue: string; idHash: string; expiresAt: Date }> {
    const now = clock.now();
    const { sid, idHash, expiresAt } = await insertSession(tx, input, now, maxAgeMs);
    const cookieValue = await signSessionToken(key, sid, expiresAt.getTime(), now.getTime());
    return { cookieValue, idHash, expiresAt };
  }

  async function idHashOf(cookieValue: string, nowMs: number): Promise<string | undefined> {
    const cached = tokens.get(cookieValue);
    if (cached) return cached.expiresAtMs > nowMs ? cached.idHash : undefined;
    const check = await verifySessionToken(key, cookieValue, nowMs);
    if (!check.ok) return undefined;
    const idHash = sha256Hex(check.sid);
    tokens.set(cookieValue, { idHash, expiresAtMs: check.expiresAtMs });
    return idHash;
  }

  /** Whether a loaded view may be used now: expired or idle views may not; `touch` when last_seen is due. */
  function liveness(view: SessionView, nowMs: number): 'live' | 'touch' | 'dead' {
    if (view.expiresAt.getTime() <= nowMs) return 'dead';
    const idleMs = nowMs - view.lastSeenAt.getTime();
    if (idleMs > idleTimeoutMs) return 'dead';
    return idleMs > TOUCH_INTERVAL_MS ? 'touch' : 'live';
  }

  /**
   * The session behind a cookie when memory alone can tell, as it can for almost every proxied
   * request: the view, null for none, or undefined when only resolve() can say (a token or view
   * not cached or too old, last_seen due). No promise, so the hot path awaits nothing.
   */
  function resolveFromMemory(cookieValue: string | undefined): SessionView | null | undefined {
    if (!cookieValue || cookieValue.length > 4096) return null;
    const nowMs = clock.nowMs();
    const token = tokens.get(cookieValue);
    if (!token) return undefined;
    if (token.expiresAtMs <= nowMs || revokedRecently.has(token.idHash)) return null;
    const view = views.peek(token.idHash);
    if (!view) return undefined;
    const state = liveness(view, nowMs);
    if (state !== 'dead' && !admit(view)) return null;
    return state === 'live' ? view : state === 'dead' ? null : undefined;
  }

  /**
   * The live session behind a cookie, or null. Throws when the database cannot be asked, so the
   * caller fails closed instead of trusting a stale cache forever.
   */
  async function resolve(cookieValue: string | undefined): Promise<SessionView | null> {
    const known = resolveFromMemory(cookieValue);
    if (known !== undefined) return known;
    const nowMs = clock.nowMs();
    const idHash = await idHashOf(cookieValue!, nowMs);
    if (!idHash || revokedRecently.has(idHash)) return null;
    const view = await views.get(idHash);
    // Checked again: the read may have started before a revocation that committed while it ran.
    if (!view || revokedRecently.has(idHash)) return null;
    const state = liveness(view, nowMs);
    if (state === 'dead' || !admit(view)) return null;
    if (state === 'touch') {
      view.lastSeenAt = new Date(nowMs);
      await touchSession(db, idHash, view.lastSeenAt);
    }
    return view;
  }

  /**
   * Drops revoked sessions from the cache and remembers them for a few seconds: revocation runs
   * inside a transaction, and a request that reloads the row before that transaction commits must
   * not find the session live again (here or, through the bus, on another instance).
   */
  function forget(idHashes: string[]): void {
    views.forget(idHashes);
    for (const idHash of idHashes) revokedRecently.set(idHash, true);
  }

  /** After a commit that revoked sessions outside this manager: forget them here and everywhere. */
  function announceRevoked(idHashes: string[]): void {
    forget(idHashes);
    if (idHashes.length > 0) for (const listener of revokedListeners) listener(idHashes);
  }

  /**
   * Drops the cached views of every session of one user, so a change that travels with the view
   * (re-enrolment obligations) is seen on the next request. Rare (an obligation opened, met or
   * snoozed), so a scan of the cache is fine; other instances see it within `recheckMs`.
   */
  function forgetUser(userId: string): void {
    views.forgetWhere((view) => view.user.id === userId);
  }

  async function revoke(tx: Executor, idHash: string): Promise<void> {
    await revokeSession(tx, idHash, clock.now());
    forget([idHash]);
    for (const listener of revokedListeners) listener([idHash]);
  }

  async function revokeAllForUser(tx: Executor, userId: string, exceptIdHash?: string): Promise<string[]> {
    const revoked = await revokeUserSessions(tx, userId, clock.now(), exceptIdHash);
    forget(revoked);
    for (const listener of revokedListeners) listener(revoked);
    return revoked;
  }

  /**
   * Replaces a session with a fresh id at a higher assurance (SECURITY S1: new id after every step
   * up). The absolute expiry is kept: stepping up never extends a session's life.
   */
  async function stepUp(tx: Executor, current: SessionView, input: { ip?: string | null; userAgent?: string | null; restricted?: boolean; amr?: string }) {
    await revoke(tx, current.idHash);
    return issue(tx, {
      userId: current.user.id,
      authLevel: 2,
      restricted: input.restricted ?? false,
      secondFactorAt: clock.now(),
      secondFactorAmr: input.amr ?? null,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      expiresAt: current.expiresAt,
    });
  }

  return {
    issue,
    stepUp,
    resolve,
    resolveFromMemory,
    revoke,
    revokeAllForUser,
    /** Drops cached sessions revoked elsewhere (another instance, the CLI). */
    forget,
    forgetUser,
    announceRevoked,
    onRevoked: (listener: (idHashes: string[]) => void) => revokedListeners.push(listener),
    /** Drops every cached view (a user was disabled or changed role). */
    forgetAll: () => views.clear(),
  };
}
