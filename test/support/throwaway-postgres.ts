/**
 * A PostgreSQL server of the test's own, on a spare loopback port, that a test may stop and start
 * again (outage tests) without touching the machine's shared server. Uses the distribution's
 * binaries (Debian: /usr/lib/postgresql/<version>/bin); initdb refuses to run as root, so as root
 * every command runs as the `postgres` OS user. Trust authentication, loopback only.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);
const OS_USER = 'postgres';

/** The newest installed server's bin directory, or undefined when there is none. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(root, v, 'bin')).find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
}

const isRoot = () => process.getuid?.() === 0;

/** Whether a throwaway server can be made here: binaries present, and a non-root user to run them as root. */
export function canRunThrowawayPostgres(): boolean {
  if (!postgresBinDir()) return false;
  if (!isRoot()) return true;
  try {
    execFileSync('id', ['-u', OS_USER], { stdio: 'ignore' });
    return fs.existsSync('/usr/sbin/runuser') || fs.existsSync('/sbin/runuser');
  } catch {
    return false;
  }
}

export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** Starts the (stopped) server again on the same port and data. */
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated, as in a real outage. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its data. */
  destroy(): Promise<void>;
}

function asServerUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', OS_USER, '--', command, ...args]] : [command, args];
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-pg-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', OS_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER]).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const exec = (name: string, args: string[]) => run(...asServerUser(path.join(bin, name), args));

  await exec('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  // The socket goes into the temp dir too, so nothing outside it is touched.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=100`;
  let running = false;
  const start = async () => {
    try {
      await exec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
    } catch (error) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2_000) : '';
      throw new Error(`throwaway PostgreSQL did not start: ${(error as Error).message}\n${log}`);
    }
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
