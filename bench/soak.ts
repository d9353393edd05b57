/**
 * Soak (not part of `npm test`): a real `recourse serve` process under one minute of steady
 * proxied load with valid sessions (autocannon at a fixed rate, rotating the session cookies of
 * several users) plus concurrent password sign-ins. Passes with zero errors (anything but a 2xx
 * from the app, a 303 from sign-in, or a socket error or timeout), the gateway's RSS growing
 * less than the stated bound and, on embedded storage, its RSS staying under the absolute limit
 * at idle and at its peak under load (issue 30: the embedded default fits in 250 MB; the peak is
 * the kernel's high-water mark, VmHWM, so no spike between samples escapes it); prints p50/p99
 * latency. Exit 1 otherwise.
 *
 *   npm run soak -- [--seconds 60] [--rate 1000] [--connections 32] [--sign-in-workers 2] [--rss-growth-mb 64] [--rss-limit-mb 250]
 *
 * `--rss-limit-mb 0` judges no absolute limit; on PostgreSQL storage none is judged unless
 * `--rss-limit-mb` is given (the target is the embedded default's).
 *
 * `--rate 0` sends as fast as the gateway answers (a stress test rather than a soak);
 * `SOAK_RSS_SAMPLES=1` prints the RSS sampled every second. The gateway is the compiled build, as
 * `npm start` and the image run it, made into the soak's temp dir; `SOAK_BIN=<entry point>` soaks
 * another (`gateway/cli/bin.mjs`: the sources through tsx); `SOAK_NODE_FLAGS` replaces the
 * gateway's node flags (docker/Dockerfile's by default: without them Node 24 sizes its heap so
 * that RSS climbs for minutes with no leak; docs/performance.md, run O).
 *
 * Storage is embedded in a temp dir, or a fresh database next to DATABASE_URL when that is set.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { gatewayEnv } from './gateway.js';
import { benchStorage, productionNodeFlags } from './production-flags.js';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-soak-'));
const BIN = process.env.SOAK_BIN ?? compile(path.join(dir, 'build'));
/** The gateway's node flags: docker/start.sh's for its storage, as `npm start` runs it, unless SOAK_NODE_FLAGS replaces them. */
const GATEWAY_NODE_FLAGS = process.env.SOAK_NODE_FLAGS !== undefined ? process.env.SOAK_NODE_FLAGS.split(/\s+/).filter(Boolean) : productionNodeFlags(benchStorage());
const P = '/.recourse';
const PASSWORD = 'soak test password';
const USERS = 8;
const SESSIONS = 24;
/** The first sixth of the run (10 s of a minute) is warm-up. */
const WARM_UP_SHARE = 1 / 6;

const { values: flags } = parseArgs({ options: {
  seconds: { type: 'string', default: '60' }, connections: { type: 'string', default: '32' },
  rate: { type: 'string', default: '1000' }, 'sign-in-workers': { type: 'string', default: '2' },
  'rss-growth-mb': { type: 'string', default: '64' },
  'rss-limit-mb': { type: 'string' },
} });
const seconds = Number(flags.seconds);
const rssBoundMb = Number(flags['rss-growth-mb']);
const rate = Number(flags.rate);
// Issue 30: the embedded default at < 250 MB RSS idle and under load.
const EMBEDDED_RSS_LIMIT_MB = 250;
const children: ChildProcess[] = [];

/** `npm run build` into `out`; returns the compiled entry point. */
function compile(out: string): string {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'docker/compile.ts'), out], { stdio: 'ignore' });
  return path.join(out, 'gateway/cli/bin.mjs');
}

const freePort = () => new Promise<number>((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as net.AddressInfo;
    server.close(() => resolve(port));
  });
});
/** A line of /proc/<pid>/status in MB: VmRSS (resident now) or VmHWM (the most it was ever resident). */
const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const rssMb = (pid: number) => statusMb(pid, 'VmRSS');
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** Spawns a node process and resolves once its stdout matches `ready`. */
function startNode(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk; if (ready.test(output)) resolve(child); });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk; });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}) before it was ready:\n${output.slice(-2_000)}`)));
  });
}

function runCli(args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { out += chunk; });
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`recourse ${args.join(' ')}: ${out}`))));
    child.stdin.end(input);
  });
}

/** Signs in through the login form; returns the session cookie, or throws with what went wrong. */
async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}${P}/login`);
  const html = await page.text();
  const csrfCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const res = await fetch(`${base}${P}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, cookie: csrfCookie },
    body: new URLSearchParams({ _csrf: token, email, password: PASSWORD, rd: '/' }),
  });
  await res.arrayBuffer();
  const session = res.headers.getSetCookie().find((c) => c.startsWith('recourse_session='))?.split(';')[0];
  if (res.status !== 303 || !session) throw new Error(`sign-in answered ${res.status}`);
  return session;
}

/** Sign-ins, back to back, until the deadline; each new session is used once on the app. */
async function signInLoop(base: string, until: number, latencies: number[], errors: string[]): Promise<void> {
  for (let n = 0; Date.now() < until; n++) {
    const started = performance.now();
    try {
      const cookie = await signIn(base, `soak${n % USERS}@example.com`);
      latencies.push(performance.now() - started);
      const app = await fetch(`${base}/after-sign-in`, { headers: { cookie }, redirect: 'manual' });
      await app.arrayBuffer();
      if (app.status !== 200) errors.push(`fresh session answered ${app.status}`);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
}

interface Load { requests: number; errors: number; p50Ms: number; p99Ms: number }
interface AutocannonResult {
  requests: { total: number }; non2xx: number; errors: number; timeouts: number; latency: { p50: number; p99: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/**
 * autocannon, programmatically (it has no types of its own): a fixed overall rate, each request
 * with the next session cookie; anything but 2xx (a 302 to sign-in means a lost session) is an error.
 */
async function runLoad(url: string, cookies: string[]): Promise<Load> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  let n = 0;
  const result = await autocannon({
    url, connections: Number(flags.connections), duration: seconds, ...(rate > 0 ? { overallRate: rate } : {}),
    requests: [{ setupRequest: (request: { path: string; headers: Record<string, string> }) => ({
      ...request, path: `/soak/${n % 97}`, headers: { ...request.headers, cookie: cookies[n++ % cookies.length]! },
    }) }],
  });
  return {
    requests: result.requests.total, errors: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50, p99Ms: result.latency.p99,
  };
}

async function main(): Promise<number> {
  const adminUrl = process.env.DATABASE_URL;
  const database = adminUrl ? `recourse_soak_${randomBytes(4).toString('hex')}` : '';
  if (adminUrl) await withAdmin(adminUrl, (client) => client.query(`create database ${database}`));
  const databaseUrl = adminUrl ? Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString() : '';
  try {
    const upstreamPort = await freePort();
    await startNode(['-e', `require('http').createServer((q, s) => { s.writeHead(200, {'content-type': 'text/plain'}); s.end('ok ' + q.url); }).listen(${upstreamPort}, '127.0.0.1', () => console.log('up'))`], /up/);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    fs.mkdirSync(path.join(dir, 'policies'));
    fs.writeFileSync(path.join(dir, 'policies', 'access.yaml'), 'access:\n  default: one_factor\n');
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, JSON.stringify({
      server: { listen: `127.0.0.1:${port}`, public_url: base }, storage: { database_url: databaseUrl, data_dir: './data' },
      session: { secret_file: './data/session.key' }, mail: { outbox_dir: './data/outbox' }, policies: { dir: './policies' },
      log: { level: 'warn' }, apps: [{ name: 'soak', host: '*', upstream: `http://127.0.0.1:${upstreamPort}` }],
    }));
    const gateway = await startNode([...GATEWAY_NODE_FLAGS, BIN, 'serve', '--config', configFile], /Recourse is running at /, gatewayEnv());
    for (let i = 0; i < USERS; i++) await runCli(['user', 'add', '--email', `soak${i}@example.com`, '--password-stdin', '--config', configFile], PASSWORD);
    const cookies: string[] = [];
    for (let i = 0; i < SESSIONS; i++) cookies.push(await signIn(base, `soak${i % USERS}@example.com`));

    // Growth is counted from the end of a warm-up (JIT, caches, pools filling), so that it measures
    // what the steady state keeps, not what the first seconds allocate once.
    const rssStart = rssMb(gateway.pid!);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(gateway.pid!)), 1_000);
    const until = Date.now() + seconds * 1_000;
    const signInLatencies: number[] = [];
    const signInErrors: string[] = [];
    const signIns = Promise.all(Array.from({ length: Number(flags['sign-in-workers']) }, () => signInLoop(base, until, signInLatencies, signInErrors)));
    const load = await runLoad(`${base}/soak`, cookies);
    await signIns;
    clearInterval(sampler);
    const rssEnd = rssMb(gateway.pid!);
    const rssWarm = samples[Math.min(samples.length - 1, Math.floor(samples.length * WARM_UP_SHARE))] ?? rssStart;
    const rssPeak = Math.max(rssStart, ...samples, statusMb(gateway.pid!, 'VmHWM'));
    const alive = gateway.exitCode === null && (await fetch(`${base}${P}/healthz`)).status === 200;

    signInLatencies.sort((a, b) => a - b);
    const growth = rssEnd - rssWarm;
    const errors = load.errors + signInErrors.length + (alive ? 0 : 1);
    const storage = databaseUrl ? 'PostgreSQL' : 'embedded';
    const rssLimitMb = flags['rss-limit-mb'] !== undefined ? Number(flags['rss-limit-mb']) : databaseUrl ? 0 : EMBEDDED_RSS_LIMIT_MB;
    const overLimit = rssLimitMb > 0 && rssPeak >= rssLimitMb;
    const pace = rate > 0 ? `${rate} requests/s` : 'as fast as it answers';
    console.log(`soak: ${seconds} s, ${pace} on ${flags.connections} connections over ${SESSIONS} sessions, ${flags['sign-in-workers']} sign-in workers, ${storage} storage`);
    console.log(`proxied:  ${load.requests} requests (${(load.requests / seconds).toFixed(0)}/s), ${load.errors} errors, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms`);
    console.log(`sign-ins: ${signInLatencies.length} (${(signInLatencies.length / seconds).toFixed(1)}/s), ${signInErrors.length} errors, p50 ${percentile(signInLatencies, 0.5).toFixed(1)} ms, p99 ${percentile(signInLatencies, 0.99).toFixed(1)} ms`);
    console.log(`gateway RSS: start ${rssStart.toFixed(0)} MB, after warm-up ${rssWarm.toFixed(0)} MB, end ${rssEnd.toFixed(0)} MB, peak ${rssPeak.toFixed(0)} MB; growth after warm-up ${growth.toFixed(0)} MB (bound ${rssBoundMb} MB)`);
    console.log(rssLimitMb > 0
      ? `gateway RSS limit (${storage} storage): idle ${rssStart.toFixed(0)} MB, peak under load ${rssPeak.toFixed(0)} MB, limit < ${rssLimitMb} MB: ${overLimit ? 'FAIL' : 'PASS'}`
      : `gateway RSS limit: not judged on ${storage} storage (give --rss-limit-mb to judge one)`);
    if (process.env.SOAK_RSS_SAMPLES) console.log(samples.map((mb) => mb.toFixed(0)).join(' '));
    for (const message of [...new Set(signInErrors)].slice(0, 5)) console.log(`  sign-in error: ${message}`);
    const ok = errors === 0 && growth < rssBoundMb && !overLimit;
    const overBy = overLimit ? `, RSS peak ${rssPeak.toFixed(0)} MB (limit < ${rssLimitMb} MB)` : '';
    console.log(ok ? 'PASS' : `FAIL: ${errors} errors${alive ? '' : ' (gateway died)'}, RSS growth ${growth.toFixed(0)} MB${overBy}`);
    return ok ? 0 : 1;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    if (adminUrl) await withAdmin(adminUrl, (client) => client.query(`drop database if exists ${database} with (force)`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function withAdmin(url: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`soak: ${error.message}`);
  return 1;
});
