/**
 * The embedded-storage line (issue 30): the gateway on PGlite, as `npm ci && npm start` runs it,
 * beside the same gateway with the settings before issue 30 (PostgreSQL's 128 MB of shared buffers
 * and none of docker/start.sh's EMBEDDED_NODE_FLAGS), both at once in paired rounds, so that
 * throughput is compared within one run on a shared machine. RSS is read idle, sampled every
 * 250 ms under proxied load, and under 20 sign-ins a second with proxied load beside them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startBenchGateway, type BenchGateway } from './gateway.js';
import { startSignInLoop } from './gateway-phases.js';
import { helperThreads, moveThreads } from './helper-threads.js';
import { runLoadMeasuringCpu, type LoadTool } from './load.js';
import { rssMb } from './proc.js';
import { median } from './report.js';

export const EMBEDDED_RSS_LIMIT_MB = 250;
export const EMBEDDED_THROUGHPUT_FLOOR = 0.9;
const SIGN_IN_RATE = 20;
const IDLE_SECONDS = 5;

export interface EmbeddedPhaseOptions {
  tool: LoadTool;
  dir: string;
  bin: string;
  upstreamPort: number;
  nodeFlags: string[];
  /** The flags before issue 30: what the gateway got without docker/start.sh's EMBEDDED_NODE_FLAGS. */
  previousNodeFlags: string[];
  seconds: number;
  rounds: number;
  serverCore?: number;
  loadCore?: number;
}

interface Round { rps: number; cpu_us_per_request: number; rss_peak_mb: number; sign_ins_per_second: number; sign_in_p50_ms: number; rps_under_sign_ins: number; rss_peak_under_sign_ins_mb: number }

export interface EmbeddedLine {
  name: string;
  settings: string;
  rss_idle_mb: number;
  rss_peak_proxied_mb: number;
  rss_peak_sign_ins_mb: number;
  rps: number;
  cpu_us_per_request: number;
  sign_ins_per_second: number;
  sign_in_p50_ms: number;
  rps_under_sign_ins: number;
  rounds: Round[];
}

export interface EmbeddedResult {
  current: EmbeddedLine;
  previous: EmbeddedLine;
  /** Medians of the per-round ratios current / previous. */
  ratios: { rps: number; cpu_us_per_request: number; sign_ins_per_second: number; rps_under_sign_ins: number };
}

/** RSS of `pid` sampled every 250 ms until the returned function is called; it returns the peak. */
function sampleRss(pid: number): () => number {
  let peak = rssMb(pid);
  const timer = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 250);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMb(pid));
  };
}

export async function embeddedPhase(options: EmbeddedPhaseOptions): Promise<EmbeddedResult> {
  const specs: Array<{ name: string; settings: string; nodeFlags: string[]; env: Record<string, string> }> = [
    { name: 'embedded, as shipped', settings: `node ${options.nodeFlags.join(' ')}; storage defaults`, nodeFlags: options.nodeFlags, env: {} },
    {
      name: 'embedded, settings before issue 30', settings: `node ${options.previousNodeFlags.join(' ')}; shared_buffers 128MB (PostgreSQL's default)`,
      nodeFlags: options.previousNodeFlags, env: { RECOURSE_STORAGE_EMBEDDED_SHARED_BUFFERS: '128MB' },
    },
  ];
  const gateways: BenchGateway[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      const dir = path.join(options.dir, `embedded-${i}`);
      fs.mkdirSync(dir, { recursive: true });
      gateways.push(await startBenchGateway({ dir, upstreamPort: options.upstreamPort, core: options.serverCore, nodeFlags: spec.nodeFlags, bin: options.bin, env: spec.env, storage: 'embedded' }));
    }
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1_000));
    const idle = gateways.map((g) => rssMb(g.child.pid));
    const load = (g: BenchGateway, seconds: number) => runLoadMeasuringCpu(options.tool, { url: `${g.url}/some/page`, headers: { cookie: g.cookie }, seconds, connections: 50, core: options.loadCore }, g.child.pid);
    for (const g of gateways) await load(g, 2);
    const rounds = gateways.map((): Round[] => []);
    for (let round = 0; round < options.rounds; round++) {
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) rounds[i]!.push(await measureRound(gateways[i]!, load, options));
    }
    const lines = specs.map((spec, i): EmbeddedLine => {
      const r = rounds[i]!;
      return {
        name: spec.name, settings: spec.settings, rss_idle_mb: idle[i]!,
        rss_peak_proxied_mb: Math.max(...r.map((x) => x.rss_peak_mb)),
        rss_peak_sign_ins_mb: Math.max(...r.map((x) => x.rss_peak_under_sign_ins_mb)),
        rps: median(r.map((x) => x.rps)), cpu_us_per_request: median(r.map((x) => x.cpu_us_per_request)),
        sign_ins_per_second: median(r.map((x) => x.sign_ins_per_second)), sign_in_p50_ms: median(r.map((x) => x.sign_in_p50_ms)),
        rps_under_sign_ins: median(r.map((x) => x.rps_under_sign_ins)), rounds: r,
      };
    });
    const ratio = (key: keyof Round) => median(rounds[0]!.map((current, i) => current[key] / rounds[1]![i]![key]));
    return {
      current: lines[0]!, previous: lines[1]!,
      ratios: { rps: ratio('rps'), cpu_us_per_request: ratio('cpu_us_per_request'), sign_ins_per_second: ratio('sign_ins_per_second'), rps_under_sign_ins: ratio('rps_under_sign_ins') },
    };
  } finally {
    for (const g of gateways) await g.stop();
  }
}

/** One proxied run, then one with 20 sign-ins a second beside it (the hashes on the load core, as in the sign-in phase). */
async function measureRound(g: BenchGateway, load: (g: BenchGateway, seconds: number) => ReturnType<typeof runLoadMeasuringCpu>, options: EmbeddedPhaseOptions): Promise<Round> {
  const pid = g.child.pid;
  const proxiedPeak = sampleRss(pid);
  const proxied = await load(g, options.seconds);
  const rss_peak_mb = proxiedPeak();
  const restore = options.loadCore === undefined ? () => {} : moveThreads(helperThreads(pid), options.loadCore);
  const signInPeak = sampleRss(pid);
  try {
    const loop = await startSignInLoop(g, SIGN_IN_RATE, options.seconds + 2, options.loadCore);
    // Let the sign-ins reach their steady rate before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const loaded = await load(g, options.seconds);
    const summary = await loop.summary;
    return {
      rps: proxied.rps, cpu_us_per_request: proxied.cpuMicrosPerRequest, rss_peak_mb,
      sign_ins_per_second: summary.per_second, sign_in_p50_ms: summary.p50_ms, rps_under_sign_ins: loaded.rps, rss_peak_under_sign_ins_mb: signInPeak(),
    };
  } finally {
    signInPeak();
    restore();
  }
}

export function formatEmbedded(result: EmbeddedResult): string {
  const row = (l: EmbeddedLine) => `${l.name.padEnd(36)} RSS idle ${l.rss_idle_mb.toFixed(0)} MB, proxied ≤ ${l.rss_peak_proxied_mb.toFixed(0)}, sign-ins ≤ ${l.rss_peak_sign_ins_mb.toFixed(0)} | ${l.rps.toFixed(0)} req/s (${l.cpu_us_per_request.toFixed(1)} µs/req), ${l.sign_ins_per_second.toFixed(1)} sign-ins/s (p50 ${l.sign_in_p50_ms.toFixed(0)} ms) with ${l.rps_under_sign_ins.toFixed(0)} req/s beside them`;
  const r = result.ratios;
  return [row(result.current), row(result.previous),
    `as shipped / before, medians of paired rounds: req/s × ${r.rps.toFixed(3)}, CPU per request × ${r.cpu_us_per_request.toFixed(3)}, sign-ins/s × ${r.sign_ins_per_second.toFixed(3)}, req/s beside sign-ins × ${r.rps_under_sign_ins.toFixed(3)}`].join('\n');
}
