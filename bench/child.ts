import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A server the bench started: its pid (the process /proc is read for) and how to stop it. */
export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last few KB it wrote to stderr and stdout, for a useful error message. */
  stderr(): string;
  stdout(): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  /** The core to pin to (`taskset -c`); undefined when taskset is missing. */
  core?: number;
  /** Resolves once stdout matches (the match is returned); without it, once the process runs. */
  ready?: RegExp;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export const hasCommand = (name: string): boolean => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;

/** `taskset -c N command args…` when taskset exists: the pid stays the command's (taskset execs it). */
export function pinned(core: number | undefined, command: string, args: string[]): [string, string[]] {
  return core === undefined ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
}

/** Starts a server and waits for its ready line on stdout. */
export function startChild(options: SpawnOptions): Promise<{ child: Child; match: RegExpMatchArray }> {
  const [command, args] = pinned(options.core, options.command, options.args);
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  if (!options.ready) proc.stdout!.on('data', (chunk: Buffer) => { out = (out + chunk.toString()).slice(-8_000); });
  proc.stderr!.on('data', (chunk: Buffer) => { err = (err + chunk.toString()).slice(-8_000); });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    name: options.name,
    pid: proc.pid!,
    process: proc,
    stderr: () => err,
    stdout: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  const ready = options.ready;
  if (!ready) return Promise.resolve({ child, match: [''] as unknown as RegExpMatchArray });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void child.stop();
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms\n${out}${err}`));
    }, options.timeoutMs ?? 60_000);
    let started = false;
    // Read stdout to the end even after the ready line, so a chatty child never blocks on a full pipe.
    proc.stdout!.on('data', (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-8_000);
      if (started) return;
      const match = out.match(ready);
      if (!match) return;
      started = true;
      clearTimeout(timer);
      resolve({ child, match });
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code ?? signal}) before it was ready\n${err.trim()}`));
    });
    proc.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Runs a command to completion; resolves with its output and exit code. */
export function runCommand(command: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    proc.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    proc.stdin.end(options.input ?? '');
  });
}

/** A free loopback port (closed again at once; good enough for a benchmark on an idle machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
