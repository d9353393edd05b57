import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';

export interface ViewCacheOptions<V extends object> {
  /** Reads the live value from the database; undefined when there is none (revoked, expired, disabled). */
  load(key: string): Promise<V | undefined>;
  clock: Pick<Clock, 'nowMs'>;
  /** A cached value older than this is never used: the request waits for a fresh read. */
  maxAgeMs: number;
  /** From this age on, the cached value is still used but a read starts in the background. */
  refreshAfterMs: number;
  max: number;
  /** A background read failed; the next request past `maxAgeMs` will wait for (and see) its own. */
  onRefreshError?(error: unknown): void;
}

interface Entry<V> { value: V; readAtMs: number }

/** A cached value's age, counted from when its read started (see createViewCache). */
const ageMs = (entry: Entry<object>, nowMs: number) => nowMs - entry.readAtMs;

/** More than the one entry each store adds, so stale entries shrink away while reads go on. */
const STALE_DROPPED_PER_STORE = 2;

/**
 * Values read from the database, trusted for at most `maxAgeMs` (the revocation latency without
 * Redis). Reads are single-flight per key: when a value goes stale under load, one query runs and
 * every waiting request shares it (a hundred concurrent requests used to send a hundred queries,
 * once a second per busy session, and stall the event loop). Past `refreshAfterMs` the value is
 * refreshed ahead of time, so busy keys never make a request wait at all.
 *
 * An entry's age counts from when its read *started*, so a slow query never stretches the bound.
 * A read that started before `forget()` (a revocation, a changed obligation) is not stored.
 */
export function createViewCache<V extends object>(options: ViewCacheOptions<V>) {
  const { clock, maxAgeMs, refreshAfterMs } = options;
  const entries = new LRUCache<string, Entry<V>>({ max: options.max });
  const reads = new Map<string, Promise<V | undefined>>();
  // Bumped by every forget: a read that started under an older generation may hold what was forgotten.
  let generation = 0;

  /**
   * An entry past `maxAgeMs` is never used again, yet the LRU would keep it until `max` newer ones
   * push it out: a session signed in once and left held ~1.4 KB for as long as 50,000 others took
   * to follow (the embedded-storage soak's RSS crept up by it; issue 30). Each store drops up to
   * two such entries from the least recently used end, where the stale ones gather: an entry no
   * request asks for sinks there, and one asked for lately is being read again by that request;
   * so the scan stops at the first fresh one.
   */
  function dropStaleTail(nowMs: number): void {
    const stale: string[] = [];
    for (const key of entries.rkeys()) {
      // peek: reading the tail must not make it the most recently used.
      const entry = entries.peek(key);
      if (stale.length === STALE_DROPPED_PER_STORE || !entry || ageMs(entry, nowMs) < maxAgeMs) break;
      stale.push(key);
    }
    for (const key of stale) entries.delete(key);
  }

  function read(key: string): Promise<V | undefined> {
    const pending = reads.get(key);
    if (pending) return pending;
    const startedAtMs = clock.nowMs();
    const startedIn = generation;
    const fresh = options.load(key).then((value) => {
      if (startedIn !== generation) return value;
      if (value === undefined) entries.delete(key);
      else {
        entries.set(key, { value, readAtMs: startedAtMs });
        dropStaleTail(clock.nowMs());
      }
      return value;
    }).finally(() => reads.delete(key));
    reads.set(key, fresh);
    return fresh;
  }

  /** The cached value if it is young enough to use, refreshing it ahead when due; else undefined. */
  function peek(key: string): V | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    const age = ageMs(entry, clock.nowMs());
    if (age >= maxAgeMs) return undefined;
    if (age >= refreshAfterMs && !reads.has(key)) read(key).catch((error: unknown) => options.onRefreshError?.(error));
    return entry.value;
  }

  return {
    peek,
    /** How many values are held (fresh or not yet dropped). */
    get size(): number {
      return entries.size;
    },
    /** The value, at most `maxAgeMs` old; rejects when it had to be read and the read failed. */
    get(key: string): Promise<V | undefined> {
      const value = peek(key);
      return value === undefined ? read(key) : Promise.resolve(value);
    },
    /** Drops the keys and ignores reads already under way for any key. */
    forget(keys: Iterable<string>): void {
      generation++;
      for (const key of keys) entries.delete(key);
    },
    /** Drops every entry whose value matches (a rare, whole-cache scan). */
    forgetWhere(matches: (value: V) => boolean): void {
      generation++;
      for (const [key, entry] of entries.entries()) if (matches(entry.value)) entries.delete(key);
    },
    clear(): void {
      generation++;
      entries.clear();
    },
  };
}

export type ViewCache<V extends object> = ReturnType<typeof createViewCache<V>>;
