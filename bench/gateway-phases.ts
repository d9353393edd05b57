import path from 'node:path';
import { helperThreads, moveThreads } from './helper-threads.js';
import { fileURLToPath } from 'node:url';
import { startChild } from './child.js';
import type { BenchGateway } from './gateway.js';
import { COOKIE_NAME, PREFIX } from './gateway.js';
import { runLoad, runLoadMeasuringCpu, type LoadOptions, type LoadTool } from './load.js';
import { rssMb } from './proc.js';
import { median, summarise, type Round } from './report.js';

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

/** A proxy the sign-in phase measures: its URL (the signed-in page) and the process to charge CPU to. */
export interface SignInPhaseTarget { name: string; url: string; pid: number }

/** What the sign-in loop prints when it ends (bench/sign-in-loop.ts). */
interface SignInSummary { attempted: number; succeeded: number; failed: number; per_second: number; p50_ms: number; p99_ms: number; statuses: Record<string, number> }

/** `gateway` is the signed-in page on `gateway`'s process; `control`, if any, a proxy that serves no sign-ins. */
export interface SignInLoadOptions { rate: number; rounds: number; core?: number; gateway: SignInPhaseTarget; control?: SignInPhaseTarget }

/**
 * Sign-in load: in each round, the proxied p99 with nobody signing in, then again while a separate
 * process posts the gateway's login form `rate` times a second; the check is the median loaded p99
 * over the median idle p99. argon2id runs in libuv's thread pool, off the event loop; with the
 * bench's pinning the pool (and V8's helper threads) moves to `core`, the load generator's, as on
 * any server with a core to spare (bench/helper-threads.ts).
 *
 * `control` (the raw undici proxy) is measured the same way, under the same sign-ins to the
 * gateway, which it takes no part in: how far its p99 rises is what the sign-ins cost the machine
 * (two cores shared by the load generator, the hashes, the database and the servers), not the
 * gateway's event loop.
 */
export async function signInLoad(tool: LoadTool, gateway: BenchGateway, load: Omit<LoadOptions, 'url'>, options: SignInLoadOptions) {
  const pid = gateway.child.pid;
  const restore = options.core === undefined ? () => {} : moveThreads(helperThreads(pid), options.core);
  try {
    return await measureSignInLoad(tool, gateway, load, options);
  } finally {
    restore();
  }
}

async function measureSignInLoad(tool: LoadTool, gateway: BenchGateway, load: Omit<LoadOptions, 'url'>, options: SignInLoadOptions) {
  const targets = [options.gateway, ...(options.control ? [options.control] : [])];
  const idle = targets.map((): Round[] => []);
  const loaded = targets.map((): Round[] => []);
  const measure = async (i: number): Promise<Round> => {
    const run = await runLoadMeasuringCpu(tool, { ...load, url: targets[i]!.url }, targets[i]!.pid);
    return { ...run, rssMb: rssMb(targets[i]!.pid) };
  };
  const signIns: SignInSummary[] = [];
  const cpuMsPerSignIn: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // The order flips each round, so neither target always runs first after the sign-ins start.
    const order = round % 2 === 0 ? targets.map((_, i) => i) : targets.map((_, i) => targets.length - 1 - i);
    for (const i of order) idle[i]!.push(await measure(i));
    const loop = await startSignInLoop(gateway, options.rate, targets.length * load.seconds + 3, options.core);
    // Let the sign-ins reach their steady rate before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const i of order) loaded[i]!.push(await measure(i));
    const summary = await loop.summary;
    signIns.push(summary);
    // What one sign-in costs the gateway's process: the CPU each proxied request cost above its
    // idle cost, over the sign-ins the loop's rate implies for the run.
    const [calm, busy] = [idle[0]!.at(-1)!, loaded[0]!.at(-1)!];
    cpuMsPerSignIn.push(Math.max(0, busy.requests * (busy.cpuMicrosPerRequest - calm.cpuMicrosPerRequest)) / 1000 / (summary.per_second * busy.seconds));
  }
  // The same medians as the comparison table's (bench/report.ts), each round's runs kept.
  const [gatewayPhase, controlPhase] = targets.map((target, i) => {
    const [calm, busy] = [summarise(target.name, idle[i]!), summarise(target.name, loaded[i]!)];
    return { name: target.name, idle: calm, loaded: busy, p99_ratio: busy.p99_ms / calm.p99_ms };
  });
  return {
    rate_wanted: options.rate,
    rounds: options.rounds,
    sign_ins: {
      attempted: signIns.reduce((sum, s) => sum + s.attempted, 0),
      succeeded: signIns.reduce((sum, s) => sum + s.succeeded, 0),
      failed: signIns.reduce((sum, s) => sum + s.failed, 0),
      per_second: median(signIns.map((s) => s.per_second)),
      p50_ms: median(signIns.map((s) => s.p50_ms)),
      p99_ms: median(signIns.map((s) => s.p99_ms)),
      by_round: signIns,
    },
    gateway: gatewayPhase!,
    ...(controlPhase ? { control: controlPhase } : {}),
    cpu_ms_per_sign_in: median(cpuMsPerSignIn),
  };
}

/** bench/sign-in-loop.ts on `core`, for `seconds`; its summary once it has finished. */
export async function startSignInLoop(gateway: BenchGateway, rate: number, seconds: number, core: number | undefined): Promise<{ summary: Promise<SignInSummary> }> {
  const { child } = await startChild({
    name: 'sign-in loop', command: process.execPath,
    args: ['--import', 'tsx', path.join(HERE, 'sign-in-loop.ts'), gateway.url, PREFIX, COOKIE_NAME, gateway.email, String(rate), String(seconds)],
    core, ready: /started/, env: { ...process.env, BENCH_PASSWORD: gateway.password },
  });
  let output = '';
  child.process.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const summary = new Promise<SignInSummary>((resolve, reject) => child.process.once('exit', () => {
    const line = output.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
    if (line) resolve(JSON.parse(line) as SignInSummary);
    else reject(new Error(`the sign-in loop printed no summary\n${child.stderr()}`));
  }));
  return { summary };
}
