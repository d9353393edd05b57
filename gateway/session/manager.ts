import { LRUCache } from 'lru-cache';
import type { Database, Executor } from '../../db/client.js';
import type { Clock } from '../core/clock.js';
import { deriveKey, sha256Hex } from '../security/hash.js';
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
}

interface CachedToken { idHash: string; expiresAtMs: number }
interface CachedView { view: SessionView; checkedAtMs: number }

// Writing last_seen on every request would put a database write on the hot path; a minute of
// slack on a 30-minute idle timeout is immaterial.
const TOUCH_INTERVAL_MS = 60_000;

export type SessionManager = ReturnType<typeof createSessionManager>;

/**
 * Sessions: a signed cookie holding a random id, a server-side row, and a bounded cache so a
 * proxied request verifies neither a signature nor a row more than once per `recheckMs`.
 */
export function createSessionManager(options: SessionManagerOptions) {
  const { db, clock, maxAgeMs, idleTimeoutMs } = options;
  const key = deriveKey(options.secret, 'session-token');
  const recheckMs = options.recheckMs ?? 1_000;
  const tokens = new LRUCache<string, CachedToken>({ max: options.cacheSize ?? 50_000 });
  const views = new LRUCache<string, CachedView>({ max: options.cacheSize ?? 50_000 });
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

  /**
   * The live session behind a cookie, or null. Throws when the database cannot be asked, so the
   * caller fails closed instead of trusting a stale cache forever.
   */
  async function resolve(cookieValue: string | undefined): Promise<SessionView | null> {
    if (!cookieValue || cookieValue.length > 4096) return null;
    const nowMs = clock.nowMs();
    const idHash = await idHashOf(cookieValue, nowMs);
    if (!idHash || revokedRecently.has(idHash)) return null;
    let cached = views.get(idHash);
    if (!cached || nowMs - cached.checkedAtMs >= recheckMs) {
      const view = await loadSession(db, idHash);
      if (!view) {
        views.delete(idHash);
        return null;
      }
      cached = { view, checkedAtMs: nowMs };
      views.set(idHash, cached);
    }
    const { view } = cached;
    if (view.expiresAt.getTime() <= nowMs) return null;
    if (nowMs - view.lastSeenAt.getTime() > idleTimeoutMs) return null;
    if (nowMs - view.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
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
    for (const idHash of idHashes) {
      views.delete(idHash);
      revokedRecently.set(idHash, true);
    }
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
    const stale: string[] = [];
    for (const [idHash, cached] of views.entries()) if (cached.view.user.id === userId) stale.push(idHash);
    for (const idHash of stale) views.delete(idHash);
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
  async function stepUp(tx: Executor, current: SessionView, input: { ip?: string | null; userAgent?: string | null; restricted?: boolean }) {
    await revoke(tx, current.idHash);
    return issue(tx, {
      userId: current.user.id,
      authLevel: 2,
      restricted: input.restricted ?? false,
      secondFactorAt: clock.now(),
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      expiresAt: current.expiresAt,
    });
  }

  return {
    issue,
    stepUp,
    resolve,
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
