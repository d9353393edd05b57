import path from 'node:path';
import { helperThreads, moveThreads } from './helper-threads.js';
import { fileURLToPath } from 'node:url';
import { startChild } from './child.js';
import type { BenchGateway } from './gateway.js';
import { COOKIE_NAME, PREFIX } from './gateway.js';
import { runLoad, type LoadOptions, type LoadTool } from './load.js';
import { cpuMicros, rssMb } from './proc.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * RSS stability: about `targetRequests` proxied requests in two halves, RSS read before, between
 * and after, and sampled every second. A single reading lands anywhere on the garbage collector's
 * saw-tooth, so a leak is judged by the floor: the lowest RSS in the last quarter of the run against
 * the lowest in the first quarter. A leak raises the floor; GC timing only moves the peaks.
 */
export async function rssStability(tool: LoadTool, gateway: BenchGateway, load: Omit<LoadOptions, 'seconds'>, options: { targetRequests: number; rps: number; maxSeconds: number }) {
  const seconds = Math.max(4, Math.min(options.maxSeconds, Math.ceil(options.targetRequests / Math.max(1, options.rps))));
  const half = Math.ceil(seconds / 2);
  const pid = gateway.child.pid;
  const began = performance.now();
  const samples: Array<{ at: number; rss: number }> = [];
  const sample = () => samples.push({ at: (performance.now() - began) / 1000, rss: rssMb(pid) });
  const sampler = setInterval(sample, 1_000);
  try {
    const start = rssMb(pid);
    const memoryStart = await gateway.memory();
    const first = await runLoad(tool, { ...load, seconds: half });
    const middle = rssMb(pid);
    const second = await runLoad(tool, { ...load, seconds: half });
    const end = rssMb(pid);
    sample();
    const memoryEnd = await gateway.memory();
    const total = (performance.now() - began) / 1000;
    const floor = (from: number, to: number) => Math.min(...samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rss));
    const floorStart = floor(0, total / 4);
    const floorEnd = floor((total * 3) / 4, total);
    const requests = first.requests + second.requests;
    return {
      requests,
      seconds: first.seconds + second.seconds,
      rps: requests / (first.seconds + second.seconds),
      errors: first.errors + second.errors,
      rss_start_mb: start,
      rss_middle_mb: middle,
      rss_end_mb: end,
      rss_peak_mb: Math.max(start, ...samples.map((s) => s.rss)),
      growth_mb: end - start,
      rss_floor_first_quarter_mb: floorStart,
      rss_floor_last_quarter_mb: floorEnd,
      floor_growth_mb: floorEnd - floorStart,
      floor_growth_bytes_per_request: ((floorEnd - floorStart) * 1024 * 1024) / requests,
      memory_start: memoryStart,
      memory_end: memoryEnd,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Sign-in load: the proxied p99 with nobody signing in, then with a separate process posting the
 * login form `rate` times a second. argon2id runs in libuv's thread pool, off the event loop; with
 * the bench's pinning the pool (and V8's helper threads) moves to `core`, the load generator's,
 * for both measurements, as on any server with a core to spare (bench/helper-threads.ts).
 */
export async function signInLoad(tool: LoadTool, gateway: BenchGateway, load: LoadOptions, options: { rate: number; core?: number }) {
  const pid = gateway.child.pid;
  const restore = options.core === undefined ? () => {} : moveThreads(helperThreads(pid), options.core);
  try {
    return await measureSignInLoad(tool, gateway, load, options);
  } finally {
    restore();
  }
}

async function measureSignInLoad(tool: LoadTool, gateway: BenchGateway, load: LoadOptions, options: { rate: number; core?: number }) {
  const pid = gateway.child.pid;
  let cpuBefore = cpuMicros(pid);
  const idle = await runLoad(tool, load);
  const idleCpuPerRequest = (cpuMicros(pid) - cpuBefore) / Math.max(1, idle.requests);
  const loopSeconds = load.seconds + 2;
  const { child } = await startChild({
    name: 'sign-in loop', command: process.execPath,
    args: ['--import', 'tsx', path.join(HERE, 'sign-in-loop.ts'), gateway.url, PREFIX, COOKIE_NAME, gateway.email, String(options.rate), String(loopSeconds)],
    core: options.core, ready: /started/, env: { ...process.env, BENCH_PASSWORD: gateway.password },
  });
  let output = '';
  child.process.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const finished = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  // Let the sign-ins reach their steady rate before measuring.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  cpuBefore = cpuMicros(pid);
  const loaded = await runLoad(tool, load);
  const loadedCpu = cpuMicros(pid) - cpuBefore;
  await finished;
  const line = output.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`the sign-in loop printed no summary\n${child.stderr()}`);
  const signIns = JSON.parse(line) as { attempted: number; succeeded: number; failed: number; per_second: number; p50_ms: number; p99_ms: number; statuses: Record<string, number> };
  return {
    rate_wanted: options.rate,
    sign_ins: signIns,
    idle: { rps: idle.rps, p50_ms: idle.p50Ms, p99_ms: idle.p99Ms, errors: idle.errors },
    loaded: { rps: loaded.rps, p50_ms: loaded.p50Ms, p99_ms: loaded.p99Ms, errors: loaded.errors },
    p99_ratio: loaded.p99Ms / idle.p99Ms,
    // What one sign-in costs the gateway's core: CPU during the loaded run minus what its proxied
    // requests cost at the idle rate, over the sign-ins that rate implies for the run.
    cpu_ms_per_sign_in: Math.max(0, loadedCpu - loaded.requests * idleCpuPerRequest) / 1000 / (signIns.per_second * loaded.seconds),
    rss_after_mb: rssMb(gateway.child.pid),
  };
}
