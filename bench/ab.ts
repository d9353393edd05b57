/**
 * Two builds side by side, for measuring one change: both run at once on the server core in front
 * of one upstream, short wrk runs alternate between them (the order flips each round), and the
 * medians of the per-round ratios B/A are printed for CPU per request, req/s and p99. Paired
 * rounds cancel most of what the rest of the machine does; a change worth keeping shows in the
 * CPU ratio first.
 *
 *   node --import tsx bench/ab.ts <A> <B>
 *     A, B: raw[:node flags]                the raw undici proxy (bench/raw-proxy.ts)
 *           gw[@checkout][:node flags]      the gateway compiled from a checkout (default: this one),
 *                                           with docker/Dockerfile's node flags unless given
 *   e.g. git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/ &&
 *        node --import tsx bench/ab.ts gw@/tmp/before gw
 *
 * Knobs: AB_SECONDS (6), AB_ROUNDS (8), AB_PATH (/some/page), DATABASE_URL (PostgreSQL storage).
 * Needs taskset; wrk, or autocannon without it (noisier).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Child } from './child.js';
import { startBenchGateway } from './gateway.js';
import { pickLoadTool, runLoadMeasuringCpu } from './load.js';
import { benchStorage, productionNodeFlags } from './production-flags.js';
import { median } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.AB_SECONDS ?? 6);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 8);
const SERVER_CORE = 1;
const LOAD_CORE = 0;

interface Target { spec: string; url: string; pid: number; cookie: string; stop(): Promise<void> }
interface Round { cpu: number; rps: number; p99: number }

async function start(spec: string, upstreamPort: number, dir: string): Promise<Target> {
  const [kind, flagText] = spec.split(/:(.*)/s) as [string, string?];
  const flags = (flagText ?? '').split(/\s+/).filter(Boolean);
  if (kind === 'raw') {
    const raw = await startChild({ name: 'raw', command: process.execPath, args: [...flags, '--import', 'tsx', path.join(HERE, 'raw-proxy.ts'), `http://127.0.0.1:${upstreamPort}`], core: SERVER_CORE, ready: /listening (\d+)/ });
    return { spec, url: `http://127.0.0.1:${raw.match[1]}/some/page`, pid: raw.child.pid, cookie: '', stop: () => raw.child.stop() };
  }
  const [name, checkout = path.join(HERE, '..')] = kind.split('@') as [string, string?];
  if (name !== 'gw') throw new Error(`unknown target "${spec}": raw[:flags] or gw[@checkout][:flags]`);
  const build = fs.mkdtempSync(path.join(dir, 'build-'));
  fs.rmSync(build, { recursive: true });
  execFileSync(process.execPath, ['--import', 'tsx', path.join(checkout, 'docker/compile.ts'), build], { stdio: 'ignore', cwd: checkout });
  // Without flags of its own, a gateway runs with production's for its storage (docker/start.sh).
  const nodeFlags = flagText === undefined ? productionNodeFlags(benchStorage()) : flags;
  const gateway = await startBenchGateway({ dir: fs.mkdtempSync(path.join(dir, 'gw-')), upstreamPort, core: SERVER_CORE, nodeFlags, bin: path.join(build, 'gateway/cli/bin.mjs') });
  return { spec, url: `${gateway.url}${process.env.AB_PATH ?? '/some/page'}`, pid: gateway.child.pid, cookie: gateway.cookie, stop: () => gateway.stop() };
}

async function main(): Promise<void> {
  const specs = process.argv.slice(2);
  if (specs.length !== 2) throw new Error('usage: bench/ab.ts <A> <B> (see the file header)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-ab-'));
  const upstream = await startChild({ name: 'upstream', command: process.execPath, args: ['--import', 'tsx', path.join(HERE, 'upstream.ts')], core: SERVER_CORE, ready: /listening (\d+)/ });
  const children: Array<Pick<Child, 'stop'>> = [upstream.child];
  try {
    const targets: Target[] = [];
    for (const spec of specs) {
      const target = await start(spec, Number(upstream.match[1]), dir);
      children.push(target);
      targets.push(target);
    }
    const cookie = targets.find((t) => t.cookie)?.cookie ?? '';
    const tool = pickLoadTool();
    const load = (target: Target, seconds: number) => runLoadMeasuringCpu(tool, { url: target.url, headers: { cookie: target.cookie || cookie }, seconds, connections: 50, core: LOAD_CORE }, target.pid);
    for (const target of targets) await load(target, 3);
    const rounds = targets.map((): Round[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of round % 2 ? [1, 0] : [0, 1]) {
        const result = await load(targets[i]!, SECONDS);
        if (result.errors) throw new Error(`${targets[i]!.spec}: ${result.errors} errors`);
        rounds[i]!.push({ cpu: result.cpuMicrosPerRequest, rps: result.rps, p99: result.p99Ms });
      }
    }
    targets.forEach((target, i) => {
      const r = rounds[i]!;
      console.log(`${target.spec.padEnd(48)} CPU ${median(r.map((x) => x.cpu)).toFixed(1)} µs/req   ${median(r.map((x) => x.rps)).toFixed(0)} req/s   p99 ${median(r.map((x) => x.p99)).toFixed(2)} ms`);
    });
    const ratio = (key: keyof Round) => median(rounds[0]!.map((a, i) => rounds[1]![i]![key] / a[key])).toFixed(3);
    console.log(`B/A, median of ${ROUNDS} paired rounds: CPU per request ${ratio('cpu')}, req/s ${ratio('rps')}, p99 ${ratio('p99')}`);
  } finally {
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
