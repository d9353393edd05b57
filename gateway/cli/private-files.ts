/**
 * The gateway's files are its own (SECURITY P1, issue 32 finding 12): the embedded database (its
 * WAL holds emails, sessions, audit rows), the session key and the mail outbox (sign-in codes).
 * A data directory that already existed with mode 0755 (the Docker image creates /data so) let
 * every local user read them: PGlite unpacks a new database with its files chmod-ed 0666. At start
 * each directory becomes 0700 and each file in it 0600, whatever existed before (and once more
 * after PGlite has unpacked, server.ts); files created later stay private through the process
 * umask (cli/main.ts). A path that cannot be made private (owned by another user) stops the start
 * with one line naming its config key.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';

// Group and other permission bits (POSIX st_mode): none may remain.
const SHARED_BITS = 0o077;

export type PrivateOutcome = { ok: true; fixed: string[] } | { ok: false; lines: string[] };

/** Makes every gateway-owned path private; `dataDir` only when it holds the embedded database. */
export function makeGatewayFilesPrivate(config: Pick<Config, 'storage' | 'session' | 'mail'>, options: { dataDir: boolean }): PrivateOutcome {
  const fixed: string[] = [];
  const lines: string[] = [];
  const apply = (key: string, target: string, create: boolean) => {
    const outcome = makeTreePrivate(target, { create });
    if (outcome.ok) fixed.push(...outcome.fixed);
    else lines.push(`${key}: ${outcome.problem}`);
  };
  if (options.dataDir) apply('storage.data_dir', config.storage.data_dir, true);
  apply('session.secret_file', config.session.secret_file, false);
  apply('mail.outbox_dir', config.mail.outbox_dir, false);
  return lines.length > 0 ? { ok: false, lines } : { ok: true, fixed };
}

type TreeOutcome = { ok: true; fixed: string[] } | { ok: false; problem: string };

/**
 * `target` (a directory and everything under it, or one file) without group or other access.
 * Symbolic links inside are left alone (chmod would follow them out of the tree); a missing target
 * is created as a 0700 directory when `create`, else skipped.
 */
export function makeTreePrivate(target: string, options: { create: boolean }): TreeOutcome {
  const fixed: string[] = [];
  let root: fs.Stats;
  try {
    root = fs.statSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, problem: `cannot read ${target}: ${(error as NodeJS.ErrnoException).code}` };
    if (!options.create) return { ok: true, fixed };
    try {
      fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    } catch (cause) {
      return { ok: false, problem: `cannot create ${target}: ${(cause as NodeJS.ErrnoException).code}` };
    }
    return { ok: true, fixed };
  }
  const fix = (at: string, stats: fs.Stats): string | null => {
    if ((stats.mode & SHARED_BITS) === 0) return null;
    try {
      fs.chmodSync(at, stats.mode & 0o7777 & ~SHARED_BITS);
      fixed.push(at);
      return null;
    } catch (error) {
      const owner = stats.uid === process.getuid?.() ? '' : `, owned by uid ${stats.uid}`;
      return `${at} is readable by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}${owner}) and cannot be made private: ${(error as NodeJS.ErrnoException).code}`;
    }
  };
  const rootProblem = fix(target, root);
  if (rootProblem) return { ok: false, problem: rootProblem };
  if (!root.isDirectory()) return { ok: true, fixed };
  const pending = [target];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (error) {
      return { ok: false, problem: `cannot read ${dir}: ${(error as NodeJS.ErrnoException).code}` };
    }
    for (const name of names) {
      const at = path.join(dir, name);
      const stats = lstatOrNull(at);
      // Gone since the listing (a temp file), or a link: nothing of ours to change.
      if (!stats || stats.isSymbolicLink()) continue;
      const problem = fix(at, stats);
      if (problem) return { ok: false, problem };
      if (stats.isDirectory()) pending.push(at);
    }
  }
  return { ok: true, fixed };
}

function lstatOrNull(at: string): fs.Stats | null {
  try {
    return fs.lstatSync(at);
  } catch {
    return null;
  }
}
