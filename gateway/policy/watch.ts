/**
 * The policy in force, hot-reloaded from its directory. A refused change leaves the last valid
 * policy in force (CONTRACT §3) and is remembered in `lastError` for the dashboard.
 */
import { watch, type FSWatcher } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { compilePolicy, type CompiledPolicy } from './engine.js';
import {
  formatPolicyErrors,
  parsePolicyFiles,
  policyVersion,
  readPolicyFiles,
  type PolicyError,
  type PolicyLoad,
  type PolicyRead,
} from './load.js';
import type { Policy } from './schema.js';

export interface PolicySnapshot {
  readonly policy: Policy;
  readonly version: string;
  readonly compiled: CompiledPolicy;
  readonly files: readonly string[];
  readonly loadedAt: Date;
  /** `file:line:col message` lines of the last refused change; null once a valid one loads. */
  readonly lastError: readonly string[] | null;
  /** `file:line:col key: message` lines for values a later file overrides (issue 28). */
  readonly warnings: readonly string[];
}

export type ReloadOutcome = { ok: true; version: string; changed: boolean } | { ok: false; errors: PolicyError[] };

export interface PolicyStore {
  /** The policy in force; cheap enough for every request. */
  current(): PolicySnapshot;
  /** Re-reads the directory now, even if nothing seems to have changed. */
  reload(): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

export interface PolicyStoreOptions {
  dir: string;
  clock: Clock;
  onReloaded?: (version: string) => void;
  onRejected?: (errors: PolicyError[]) => void;
  /** Fallback for file systems where fs.watch misses events (network mounts, some containers). */
  pollMs?: number;
  /** Editors write a file in several steps; wait for them to finish. */
  debounceMs?: number;
}

export type PolicyStoreOutcome =
  | { ok: true; store: PolicyStore }
  | { ok: false; errors: PolicyError[]; lines: string[] };

type Loaded = Extract<PolicyLoad, { ok: true }>;

// A directory still changing after this many debounce intervals is taken as it then reads.
const MAX_SETTLE_READS = 20;

function snapshotOf(loaded: Loaded, clock: Clock): PolicySnapshot {
  const { policy, version, files } = loaded;
  return { policy, version, files, compiled: compilePolicy(policy), loadedAt: clock.now(), lastError: null, warnings: formatPolicyErrors(loaded.warnings) };
}

/** Reads the directory once; an invalid policy at start-up is returned for the caller to print. */
export async function createPolicyStore(options: PolicyStoreOptions): Promise<PolicyStoreOutcome> {
  const read = await readPolicyFiles(options.dir);
  const first = read.ok ? parsePolicyFiles(read.files) : read;
  if (!first.ok) return { ok: false, errors: first.errors, lines: formatPolicyErrors(first.errors) };
  return { ok: true, store: startStore(options, snapshotOf(first, options.clock)) };
}

function startStore(options: PolicyStoreOptions, initial: PolicySnapshot): PolicyStore {
  const { dir, clock, onReloaded, onRejected, pollMs = 1_000, debounceMs = 100 } = options;
  let state = initial;
  // What the directory held at the last attempt, valid or not, so an unchanged bad file is refused once.
  let seen = initial.version;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const keyOf = (read: PolicyRead) => (read.ok ? policyVersion(read.files) : `unreadable\n${formatPolicyErrors(read.errors).join('\n')}`);

  /**
   * The directory once it holds still: a read that differs from the last one is taken only when a
   * second read, `debounceMs` later, finds the same. A file rewritten in place is empty between its
   * truncation and its write, and half-written YAML is often valid YAML: an empty file would put
   * the built-in two_factor default in force, a cut-off one could drop the rules after the cut.
   */
  async function readSettled(): Promise<{ read: PolicyRead; key: string }> {
    let read = await readPolicyFiles(dir);
    let key = keyOf(read);
    for (let tries = 0; key !== seen && tries < MAX_SETTLE_READS; tries++) {
      await new Promise((resolve) => setTimeout(resolve, debounceMs));
      const again = await readPolicyFiles(dir);
      const againKey = keyOf(again);
      if (againKey === key) break;
      [read, key] = [again, againKey];
    }
    return { read, key };
  }

  async function attempt(force: boolean): Promise<ReloadOutcome | undefined> {
    const { read, key } = await readSettled();
    if (!force && key === seen) return undefined;
    seen = key;
    const outcome = read.ok ? parsePolicyFiles(read.files) : read;
    if (!outcome.ok) {
      state = { ...state, lastError: formatPolicyErrors(outcome.errors) };
      onRejected?.(outcome.errors);
      return { ok: false, errors: outcome.errors };
    }
    const changed = outcome.version !== state.version;
    state = changed ? snapshotOf(outcome, clock) : { ...state, lastError: null };
    if (changed) onReloaded?.(outcome.version);
    return { ok: true, version: outcome.version, changed };
  }

  // One attempt at a time, so a slow read can never overwrite a newer policy with an older one.
  function enqueue(force: boolean): Promise<ReloadOutcome | undefined> {
    const run = queue.then(() => attempt(force));
    queue = run.catch(() => undefined);
    return run;
  }

  let checking = false;
  let again = false;
  function check(): void {
    if (closed) return;
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    // A listener that throws must not stop later changes from loading.
    void enqueue(false)
      .catch(() => undefined)
      .finally(() => {
        checking = false;
        if (again) {
          again = false;
          check();
        }
      });
  }

  let debounce: NodeJS.Timeout | undefined;
  function schedule(): void {
    clearTimeout(debounce);
    debounce = setTimeout(check, debounceMs);
    debounce.unref();
  }

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, schedule);
    watcher.on('error', () => watcher?.close());
  } catch {
    // A missing directory cannot be watched; the poll notices when it appears.
  }
  const poll = setInterval(check, pollMs);
  poll.unref();

  return {
    current: () => state,
    async reload() {
      const outcome = await enqueue(true);
      return outcome ?? { ok: true, version: state.version, changed: false };
    },
    async close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
      await queue;
    },
  };
}
