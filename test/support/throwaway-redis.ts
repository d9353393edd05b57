/**
 * A redis-server of the test's own on a spare loopback port, without persistence, that a test may
 * stop and start again on the same port (outage tests) while the machine's shared Redis keeps
 * running for everyone else.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

const START_TIMEOUT_MS = 15_000;

export function canRunThrowawayRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface ThrowawayRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () => new Promise<void>((resolve, reject) => {
    const proc = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'notice',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on ${port}:\n${output}`)), START_TIMEOUT_MS);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-4_000);
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr!.resume();
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    });
  });

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, stop };
}
