/**
 * Child-process helpers for the CLI integration tests: `node gateway/cli/bin.mjs …` from the
 * project root, with a temp config, and every child and temp dir cleaned up by `cleanUp()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../support/ports.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'gateway/cli/bin.mjs');
// PGlite needs seconds to start (more on a busy CI machine); this only bounds a hang.
const START_TIMEOUT_MS = 90_000;

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const databases = new Set<string>();

/** The environment a child sees: no RECOURSE_* from the test runner's own shell. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('RECOURSE_')) env[name] = value;
  return { ...env, ...extra };
}

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-cli-'));
  dirs.add(dir);
  return dir;
}

export interface Install {
  dir: string;
  configFile: string;
  port: number;
  url: string;
}

/**
 * A config in a fresh directory: relative data_dir/policies (resolved against the file), a
 * one_factor policy so a password alone reaches the app, and the given storage and apps.
 */
export async function writeInstall(options: { databaseUrl?: string; upstream?: string; access?: string; logLevel?: string } = {}): Promise<Install> {
  const dir = tempDir();
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'policies'));
  fs.writeFileSync(path.join(dir, 'policies', 'access.yaml'), `access:\n  default: ${options.access ?? 'one_factor'}\n`);
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, [
    'server:',
    `  listen: 127.0.0.1:${port}`,
    `  public_url: http://127.0.0.1:${port}`,
    'session:',
    '  secret_file: ./data/session.key',
    'storage:',
    `  database_url: "${options.databaseUrl ?? ''}"`,
    '  data_dir: ./data',
    'mail:',
    '  outbox_dir: ./data/outbox',
    'policies:',
    '  dir: ./policies',
    'log:',
    `  level: ${options.logLevel ?? 'warn'}`,
    'apps:',
    '  - name: app',
    '    host: "*"',
    `    upstream: ${options.upstream ?? 'builtin:demo'}`,
    '',
  ].join('\n'));
  return { dir, configFile, port, url: `http://127.0.0.1:${port}` };
}

/**
 * Like writeInstall, but the config is an object merged over the same defaults and written as JSON
 * (which is YAML): for tests that need Redis, SMTP, a shared policies dir or a fixed secret.
 * Relative paths still resolve against the install's directory.
 */
export async function writeInstallFrom(config: Record<string, unknown>, options: { access?: string } = {}): Promise<Install> {
  const dir = tempDir();
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'policies'));
  fs.writeFileSync(path.join(dir, 'policies', 'access.yaml'), `access:\n  default: ${options.access ?? 'one_factor'}\n`);
  const defaults = {
    server: { listen: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}` },
    session: { secret_file: './data/session.key' },
    storage: { database_url: '', data_dir: './data' },
    mail: { outbox_dir: './data/outbox' },
    policies: { dir: './policies' },
    log: { level: 'warn' },
    apps: [{ name: 'app', host: '*', upstream: 'builtin:demo' }],
  };
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, `${JSON.stringify(mergeConfig(defaults, config), null, 2)}\n`);
  return { dir, configFile, port, url: `http://127.0.0.1:${port}` };
}

function mergeConfig(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    const bothMaps = [value, current].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    out[key] = bothMaps ? mergeConfig(current as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command to completion. */
export function runCli(args: string[], options: { input?: string; env?: Record<string, string>; bin?: string; uid?: number; gid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const as = options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid };
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { cwd: ROOT, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'], ...as });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface ServeChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Resolves once stdout contains the pattern (rejects if the process ends first). */
  waitForOutput(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `recourse serve` and waits until it announces itself and /healthz answers. `env` adds to
 * the child's environment (e.g. NODE_OPTIONS for a memory test); `bin` runs another build of the
 * command and `nodeFlags` go before it.
 */
export async function startServe(install: Install, options: { env?: Record<string, string>; bin?: string; nodeFlags?: string[] } = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.bin ?? BIN, 'serve', '--config', install.configFile], { cwd: ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => { for (const waiter of waiters) waiter(); };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; notify(); });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; notify(); });
  let ended = false;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    ended = true;
    children.delete(child);
    notify();
    resolve(code);
  }));

  const waitForOutput = (pattern: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`)), START_TIMEOUT_MS);
    const check = () => {
      const match = pattern.exec(stdout);
      if (match) finish(undefined, match);
      else if (ended) finish(new Error(`serve exited before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    };
    function finish(error?: Error, match?: RegExpExecArray) {
      clearTimeout(timer);
      waiters.delete(check);
      if (error) reject(error);
      else resolve(match!);
    }
    waiters.add(check);
    check();
  });

  const serve: ServeChild = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      return exited;
    },
  };
  // The admin socket exists once this line is printed; /healthz alone could answer earlier.
  await waitForOutput(/Recourse is running at /);
  const health = await fetch(`${install.url}/.recourse/healthz`);
  if (health.status !== 200) throw new Error(`healthz answered ${health.status}`);
  return serve;
}

/** A fresh, empty PostgreSQL database next to DATABASE_URL's; dropped by cleanUp(). */
export async function createDatabase(adminUrl: string): Promise<string> {
  const name = `recourse_cli_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  databases.add(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Kills what is still running, drops the databases and removes the temp dirs. */
export async function cleanUp(): Promise<void> {
  await Promise.all([...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
  children.clear();
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl && databases.size > 0) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
  databases.clear();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
