import path from 'node:path';
import { helperThreads, moveThreads } from './helper-threads.js';
import { fileURLToPath } from 'node:url';
import { startChild } from './child.js';
import type { BenchGateway } from './gateway.js';
import { COOKIE_NAME, PREFIX } from './gateway.js';
import { runLoad, runLoadMeasuringCpu, type LoadOptions, type LoadTool } from './load.js';
import { rssMb } from './proc.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** RSS (MB) against the number of requests served so far, sampled once a second. */
export interface RssSample { at_s: number; requests: number; rss_mb: number }

/**
 * Least-squares slope of RSS against requests, in MB per million requests. A single reading lands
 * anywhere on the garbage collector's saw-tooth (young generation filling, old generation growing
 * until a mark-compact), and a window's minimum moves with when a memory-reducing collection
 * happened to run; a fit over the whole run averages the teeth out, while a leak of N bytes per
 * request shows as a slope of N MB per million.
 */
export function rssSlopeMbPerMillion(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 3) return NaN;
  const meanX = samples.reduce((sum, s) => sum + s.requests, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.rss_mb, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.requests - meanX) * (s.rss_mb - meanY);
    variance += (s.requests - meanX) ** 2;
  }
  return variance === 0 ? NaN : (covariance / variance) * 1e6;
}

/**
 * RSS stability: proxied requests in runs of `chunkSeconds` until `targetRequests` have been
 * served (or `maxSeconds` have passed), RSS sampled every second against the requests served.
 * The first tenth of the samples is left out of the fit: the young generation and the keep-alive
 * pools are still settling there.
 */
export async function rssStability(tool: LoadTool, gateway: BenchGateway, load: Omit<LoadOptions, 'seconds'>, options: { targetRequests: number; maxSeconds: number; chunkSeconds?: number }) {
  const pid = gateway.child.pid;
  const chunkSeconds = options.chunkSeconds ?? 15;
  const began = performance.now();
  const elapsed = () => (performance.now() - began) / 1000;
  const samples: RssSample[] = [];
  let served = 0;
  let chunkStarted = 0;
  let chunkRps = 0;
  // Requests served so far, estimated within the running chunk from the previous chunk's rate.
  const sample = () => samples.push({ at_s: elapsed(), requests: Math.round(served + chunkRps * (elapsed() - chunkStarted)), rss_mb: rssMb(pid) });
  const memoryStart = await gateway.memory();
  const start = rssMb(pid);
  sample();
  const sampler = setInterval(sample, 1_000);
  let errors = 0;
  let seconds = 0;
  try {
    while (served < options.targetRequests && elapsed() < options.maxSeconds) {
      chunkStarted = elapsed();
      const run = await runLoad(tool, { ...load, seconds: Math.max(2, Math.min(chunkSeconds, Math.ceil(options.maxSeconds - elapsed()))) });
      served += run.requests;
      errors += run.errors;
      seconds += run.seconds;
      chunkRps = run.rps;
    }
  } finally {
    clearInterval(sampler);
  }
  chunkRps = 0;
  sample();
  const end = rssMb(pid);
  const memoryEnd = await gateway.memory();
  const fitted = samples.slice(Math.floor(samples.length / 10));
  return {
    requests: served,
    seconds,
    rps: served / seconds,
    errors,
    rss_start_mb: start,
    rss_end_mb: end,
    rss_peak_mb: Math.max(...samples.map((s) => s.rss_mb)),
    rss_min_mb: Math.min(...samples.map((s) => s.rss_mb)),
    growth_mb: end - start,
    slope_mb_per_million_requests: rssSlopeMbPerMillion(fitted),
    samples,
    memory_start: memoryStart,
    memory_end: memoryEnd,
  };
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
  const idle = await runLoadMeasuringCpu(tool, load, pid);
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
  const loaded = await runLoadMeasuringCpu(tool, load, pid);
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
    // What one sign-in costs the gateway's core: the CPU each proxied request cost above its idle
    // cost, over the sign-ins the loop's rate implies for the run.
    cpu_ms_per_sign_in: Math.max(0, loaded.requests * (loaded.cpuMicrosPerRequest - idle.cpuMicrosPerRequest)) / 1000 / (signIns.per_second * loaded.seconds),
    rss_after_mb: rssMb(gateway.child.pid),
  };
}
