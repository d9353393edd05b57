import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, pinned, runCommand } from './child.js';
import { cpuMicros } from './proc.js';

/** One load-generator run against one URL. Latencies in milliseconds. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses outside 2xx/3xx, and socket errors: a healthy run has none. */
  errors: number;
  bytesPerRequest: number;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  core?: number;
}

export type LoadTool = 'wrk' | 'autocannon';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** wrk from the distribution when installed (C, one thread saturates one core); else autocannon. */
export function pickLoadTool(): LoadTool {
  if (process.env.BENCH_LOAD_TOOL === 'autocannon') return 'autocannon';
  return hasCommand('wrk') ? 'wrk' : 'autocannon';
}

export async function runLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(options) : runAutocannon(options);
}

/** A load run, and the CPU the server `pid` (with its child processes) spent on it per request. */
export async function runLoadMeasuringCpu(tool: LoadTool, options: LoadOptions, pid: number): Promise<LoadResult & { cpuMicrosPerRequest: number }> {
  const before = cpuMicros(pid);
  const result = await runLoad(tool, options);
  return { ...result, cpuMicrosPerRequest: (cpuMicros(pid) - before) / Math.max(1, result.requests) };
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '--timeout', '10s'];
  // wrk adds its own Host unless one is spelled exactly `Host`: a `host` would make two, which the
  // gateway refuses (400) as a Host that reads two ways.
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name.toLowerCase() === 'host' ? 'Host' : name}: ${value}`);
  args.push(options.url);
  const [command, argv] = pinned(options.core, 'wrk', args);
  const run = await runCommand(command, argv);
  if (run.code !== 0) throw new Error(`wrk failed (${run.code}): ${run.stderr || run.stdout}`);
  return parseWrk(run.stdout);
}

/** Reads wrk 4's report: totals, Requests/sec and the --latency distribution. */
export function parseWrk(output: string): LoadResult {
  const totals = /(\d+) requests in ([\d.]+)(us|ms|s|m),\s+([\d.]+)([KMGT]?B) read/.exec(output);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(output);
  if (!totals || !rps || !p50 || !p99) throw new Error(`cannot read wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const requests = Number(totals[1]);
  return {
    requests,
    seconds: toSeconds(Number(totals[2]), totals[3]!),
    rps: Number(rps[1]),
    p50Ms: toSeconds(Number(p50[1]), p50[2]!) * 1000,
    p99Ms: toSeconds(Number(p99[1]), p99[2]!) * 1000,
    errors: non2xx + socketErrors,
    bytesPerRequest: requests ? toBytes(Number(totals[4]), totals[5]!) / requests : 0,
  };
}

function toSeconds(value: number, unit: string): number {
  return unit === 'us' ? value / 1e6 : unit === 'ms' ? value / 1e3 : unit === 'm' ? value * 60 : value;
}

function toBytes(value: number, unit: string): number {
  return value * 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit);
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const args = [path.join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', String(options.connections), '-d', String(options.seconds), '-j', '-n'];
  for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}=${value}`);
  args.push(options.url);
  const [command, argv] = pinned(options.core, process.execPath, args);
  const run = await runCommand(command, argv);
  if (run.code !== 0) throw new Error(`autocannon failed (${run.code}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as {
    duration: number; non2xx: number; errors: number; timeouts: number;
    requests: { total: number; average: number }; latency: { p50: number; p99: number }; throughput: { total: number };
  };
  return {
    requests: report.requests.total,
    seconds: report.duration,
    rps: report.requests.total / report.duration,
    p50Ms: report.latency.p50,
    p99Ms: report.latency.p99,
    errors: report.non2xx + report.errors + report.timeouts,
    bytesPerRequest: report.requests.total ? report.throughput.total / report.requests.total : 0,
  };
}
