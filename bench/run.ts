/**
 * `npm run bench` (issue 9): the gateway's per-request cost against the upstream alone, a raw
 * undici proxy (the Node ceiling) and nginx `proxy_pass` (the C ceiling), in one run on one machine.
 * Servers are pinned to core 1, the load generator to core 0; after a warm-up, 3 rounds of 8 s
 * alternate the targets and the medians are reported. Then RSS over 1,000,000 proxied requests,
 * sign-in load, a check that the hot path makes no database round trip, and (with DATABASE_URL)
 * the admin dashboard's queries on a freshly seeded scratch database at a large organisation's
 * scale. Installs nothing: without wrk it uses autocannon, without nginx it skips that comparison.
 *
 * Knobs for quick runs: BENCH_SECONDS (8), BENCH_ROUNDS (3), BENCH_RSS_REQUESTS (1000000),
 * BENCH_WEBSOCKETS=0 (skip the WebSocket phase), BENCH_WS_IDLE_SECONDS (60),
 * BENCH_ADMIN=0 (skip the admin data), BENCH_EMBEDDED=0 (skip the embedded-storage line),
 * BENCH_CPU_PROF=<dir> (gateway runs with --cpu-prof),
 * BENCH_NODE_FLAGS (replaces docker/start.sh's node flags), BENCH_LOAD_TOOL=autocannon.
 * bench/cost.ts measures the gateway alone; bench/ab.ts compares two builds side by side.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, startChild, type Child } from './child.js';
import { ADMIN_TARGET_MS, formatAdminTimings, timeAdminData, type AdminDataResult } from './admin-data.js';
import { createScratchDatabase, startBenchGateway, PREFIX, type BenchGateway } from './gateway.js';
import { rssStability, signInLoad } from './gateway-phases.js';
import { ASSERTION_COST_LIMIT, ASSERTION_HOST, ASSERTION_ROUNDS, assertionCost, formatAssertionCost } from './assertion-phase.js';
import { EMBEDDED_RSS_LIMIT_MB, EMBEDDED_THROUGHPUT_FLOOR, embeddedPhase, formatEmbedded, type EmbeddedResult } from './embedded-phase.js';
import { checkHotPath } from './hot-path.js';
import { websocketPhase, type WebSocketPhaseResult } from './websocket-phase.js';
import { pickLoadTool, runLoad, runLoadMeasuringCpu } from './load.js';
import { seedAdminData } from './seed.js';
import { startNginx } from './nginx.js';
import { benchStorage, productionNodeFlags, productionNodeMajor, withOneCpuNodeFlags, type GatewayStorage } from './production-flags.js';
import { machine, memoryBreakdown, rssMb } from './proc.js';
import { formatChecks, formatTable, ratioCheck, summarise, type Check, type Results, type Round } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARM_UP_SECONDS = 2;
const CONNECTIONS = 50;
const RSS_REQUESTS = Number(process.env.BENCH_RSS_REQUESTS ?? 1_000_000);
// Long enough for a million requests at ~3,500 req/s; a faster machine stops at the count.
const RSS_MAX_SECONDS = 300;
// The gateway runs as in production: the compiled build with docker/start.sh's node flags for its storage.
// Pinned to one core it is a one-CPU deployment, and gets that deployment's setting too
// (`withOneCpuNodeFlags`, docs/deployment.md). BENCH_FROM_SOURCE=1 runs the sources through tsx
// instead; BENCH_NODE_FLAGS replaces the flags. Every server runs on the node running the bench:
// run it with the image's Node.js major (`productionNodeMajor`) to measure what is deployed.
const nodeFlagsFor = (pinned: boolean, storage: GatewayStorage) => process.env.BENCH_NODE_FLAGS !== undefined
  ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean)
  : pinned ? withOneCpuNodeFlags(productionNodeFlags(storage)) : productionNodeFlags(storage);
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1';
const SIGN_IN_RATE = 20;
const RSS_LIMIT_MB = 200;
// A leak of 16 bytes per request shows as a slope of 16 MB per million requests.
const RSS_GROWTH_LIMIT_MB = 16;

const say = (line: string) => process.stdout.write(`${line}\n`);

/** `npm run build` into `out`; returns the compiled command. */
function compileGateway(out: string): string {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(HERE, '../docker/compile.ts'), out], { stdio: 'ignore' });
  return path.join(out, 'gateway/cli/bin.mjs');
}

interface Target { name: string; url: string; headers: Record<string, string>; pid: number }

async function main(): Promise<number> {
  const began = performance.now();
  const info = { ...machine(), load_average_at_start: os.loadavg().map((n) => Math.round(n * 100) / 100) };
  const tool = pickLoadTool();
  const pin = hasCommand('taskset') && info.nproc >= 2;
  const serverCore = pin ? 1 : undefined;
  const loadCore = pin ? 0 : undefined;
  const nginxInstalled = hasCommand('nginx');
  const NODE_FLAGS = nodeFlagsFor(pin, benchStorage());
  say(`recourse bench: ${info.nproc} cores, ${info.cpu_model}, node ${info.node}, load average ${info.load_average_at_start.join(' ')}`);
  if (tool !== 'wrk') say('wrk not found: using autocannon (apt-get install wrk for the reference numbers; autocannon itself may be the bottleneck)');
  if (!nginxInstalled) say('nginx not found: skipping the nginx comparison (apt-get install nginx)');
  if (!pin) say('taskset missing or a single core: servers and load generator are not pinned');
  const imageNode = productionNodeMajor();
  if (Number.parseInt(process.versions.node, 10) !== imageNode) say(`note: the image runs Node ${imageNode}, this bench Node ${process.versions.node}; to measure the image's runtime, run the bench with Node ${imageNode} first on PATH`);
  if (info.load_average_at_start[0]! > info.nproc / 2) say(`warning: the machine is busy (load ${info.load_average_at_start[0]}); numbers will be noisy`);

  say('hot path: counting database statements per proxied request (in-process gateway)…');
  const hotPath = await checkHotPath();
  say(`  ${hotPath.requests} requests, ${hotPath.session_statements} session statements (≤ ${hotPath.allowed_session_statements} allowed), policy compiled once: ${hotPath.policy_compiled_once}, new upstream connections: ${hotPath.upstream_connections}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-bench-'));
  const children: Child[] = [];
  let gateway: BenchGateway | undefined;
  const cleanup = async () => {
    await gateway?.stop();
    for (const child of children.reverse()) await child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const node = (script: string, args: string[]) => startChild({ name: script, command: process.execPath, args: ['--import', 'tsx', path.join(HERE, script), ...args], core: serverCore, ready: /listening (\d+)/ });
    const upstream = await node('upstream.ts', []);
    children.push(upstream.child);
    const upstreamPort = Number(upstream.match[1]);
    const raw = await node('raw-proxy.ts', [`http://127.0.0.1:${upstreamPort}`]);
    children.push(raw.child);
    const relay = await node('tcp-relay.ts', [String(upstreamPort)]);
    children.push(relay.child);
    const nginx = nginxInstalled ? await startNginx(path.join(dir, 'nginx'), upstreamPort, serverCore) : undefined;
    if (nginx) children.push(nginx.child);
    const profileDir = process.env.BENCH_CPU_PROF;
    const build = FROM_SOURCE ? undefined : compileGateway(path.join(dir, 'build'));
    gateway = await startBenchGateway({
      dir: path.join(dir, 'gateway'), upstreamPort, core: serverCore,
      nodeFlags: [...NODE_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [])],
      ...(build ? { bin: build } : {}),
      assertionHost: ASSERTION_HOST,
    });
    say(`gateway: ${build ? 'compiled build' : 'sources through tsx'}, node ${NODE_FLAGS.join(' ') || '(no flags)'}, ${gateway.storage} storage, GeoIP ${gateway.geoip}, 20 access rules, signed in as ${gateway.email}`);

    const browser = { cookie: gateway.cookie };
    const targets: Target[] = [
      { name: 'upstream', url: `http://127.0.0.1:${upstreamPort}/some/page`, headers: browser, pid: upstream.child.pid },
      { name: 'raw undici proxy', url: `${rawUrl(raw.match)}/some/page`, headers: browser, pid: raw.child.pid },
      ...(nginx ? [{ name: 'nginx proxy_pass', url: `${nginx.url}/some/page`, headers: browser, pid: nginx.child.pid }] : []),
      { name: 'gateway (signed in)', url: `${gateway.url}/some/page`, headers: browser, pid: gateway.child.pid },
      { name: 'gateway P/verify', url: `${gateway.url}${PREFIX}/verify`, headers: { ...browser, 'x-original-url': 'https://app.example.com/some/page', 'x-original-method': 'GET' }, pid: gateway.child.pid },
    ];
    await sanityCheck(targets);

    say(`warm-up: ${WARM_UP_SECONDS} s per target; then ${ROUNDS} rounds of ${SECONDS} s, targets alternating (${tool}, ${CONNECTIONS} connections)`);
    for (const target of targets) await runLoad(tool, { url: target.url, headers: target.headers, seconds: WARM_UP_SECONDS, connections: CONNECTIONS, core: loadCore });
    const rounds = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no target always runs first (or right after the gateway's GC).
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const target of order) {
        const result = await runLoadMeasuringCpu(tool, { url: target.url, headers: target.headers, seconds: SECONDS, connections: CONNECTIONS, core: loadCore }, target.pid);
        rounds.get(target.name)!.push({ ...result, rssMb: rssMb(target.pid) });
        say(`  round ${round + 1} ${target.name.padEnd(20)} ${result.rps.toFixed(0).padStart(6)} req/s  p99 ${result.p99Ms.toFixed(2)} ms${result.errors ? `  ${result.errors} errors` : ''}`);
      }
    }
    const summaries = targets.map((t) => summarise(t.name, rounds.get(t.name)!));
    // Where the RSS sits: JS heap (per space), external, and anonymous against file-backed pages.
    const gatewayMemory = { ...(await gateway.memory()), ...memoryBreakdown(gateway.child.pid) };
    const byName = (name: string) => summaries.find((s) => s.target === name);
    const gw = byName('gateway (signed in)')!;
    const load = { url: `${gateway.url}/some/page`, headers: browser, connections: CONNECTIONS, core: loadCore };

    say(`RSS stability: ${RSS_REQUESTS.toLocaleString('en')} proxied requests…`);
    const rss = await rssStability(tool, gateway, load, { targetRequests: RSS_REQUESTS, maxSeconds: RSS_MAX_SECONDS });
    say(`  ${rss.requests.toLocaleString('en')} requests in ${rss.seconds.toFixed(0)} s: RSS ${rss.rss_start_mb.toFixed(1)} → ${rss.rss_end_mb.toFixed(1)} MB (${rss.rss_min_mb.toFixed(1)}–${rss.rss_peak_mb.toFixed(1)}), fitted slope ${rss.slope_mb_per_million_requests.toFixed(2)} MB per million requests`);
    say(`sign-in load: ${SIGN_IN_RATE} sign-ins/s while measuring proxied p99, ${ROUNDS} rounds, the raw undici proxy alongside as the control…`);
    const targetNamed = (name: string) => targets.find((t) => t.name === name)!;
    const signIns = await signInLoad(tool, gateway, { headers: browser, connections: CONNECTIONS, core: loadCore, seconds: SECONDS }, {
      rate: SIGN_IN_RATE, rounds: ROUNDS, core: loadCore, gateway: targetNamed('gateway (signed in)'), control: targetNamed('raw undici proxy'),
    });
    const signInPhases = [signIns.gateway, ...(signIns.control ? [signIns.control] : [])];
    say(`  ${signIns.sign_ins.succeeded}/${signIns.sign_ins.attempted} sign-ins (median ${signIns.sign_ins.per_second.toFixed(1)}/s, p50 ${signIns.sign_ins.p50_ms.toFixed(0)} ms, ~${signIns.cpu_ms_per_sign_in.toFixed(0)} ms CPU each)`);
    for (const phase of signInPhases) {
      say(`  ${phase.name.padEnd(20)} ${phase.idle.rps.toFixed(0)} → ${phase.loaded.rps.toFixed(0)} req/s, p99 ${phase.idle.p99_ms.toFixed(2)} → ${phase.loaded.p99_ms.toFixed(2)} ms (× ${phase.p99_ratio.toFixed(2)})`);
    }

    const assertionRounds = Math.max(ROUNDS, ASSERTION_ROUNDS);
    say(`identity assertion: the proxied request with a signed assertion against without, ${assertionRounds} paired rounds…`);
    const assertion = await assertionCost(tool, gateway, { headers: browser, connections: CONNECTIONS, core: loadCore, seconds: SECONDS }, assertionRounds);
    say(formatAssertionCost(assertion).replace(/^/gm, '  '));

    const raw_ = byName('raw undici proxy');
    // The proxied and the forward-auth rounds ran in the same process: its peak is over both.
    const gatewayRss = Math.max(gw.rss_mb, byName('gateway P/verify')?.rss_mb ?? 0, rss.rss_peak_mb, signIns.gateway.loaded.rss_mb);
    // Req/s ratios move with whatever else the machine runs; CPU per request barely does. The core
    // the servers share pays the proxy's CPU plus the upstream's, so CPU predicts a quiet-core ratio.
    const upstreamCpu = byName('upstream')!.cpu_us_per_request;
    const cpuPredicts = (faster: number | undefined, slower: number | undefined, slowerHasUpstream = true) =>
      faster === undefined || slower === undefined ? undefined
        : `CPU per request predicts ${((faster + upstreamCpu) / (slower + (slowerHasUpstream ? upstreamCpu : 0))).toFixed(2)} on a quiet core`;
    const nginxRow = byName('nginx proxy_pass');
    const nginxCpu = nginxRow?.cpu_us_per_request;
    const verifyCpu = byName('gateway P/verify')?.cpu_us_per_request;
    const checks: Check[] = [
      // Issue 25: at least 0.80 of the raw undici proxy (it was 0.75–0.92 before the one pipeline).
      ratioCheck('gateway / raw proxy req/s', gw.rps, raw_?.rps, '>=', 0.8, cpuPredicts(raw_?.cpu_us_per_request, gw.cpu_us_per_request)),
      ratioCheck('gateway / nginx req/s', gw.rps, nginxRow?.rps, '>=', 0.4, nginxRow
        ? `${cpuPredicts(nginxCpu, gw.cpu_us_per_request)}; the raw undici proxy itself reaches ${((raw_?.rps ?? NaN) / nginxRow.rps).toFixed(2)} ×`
        : 'nginx not installed'),
      ratioCheck('gateway p99 / raw proxy p99', gw.p99_ms, raw_?.p99_ms, '<=', 1.5),
      ratioCheck('verify / raw proxy req/s', byName('gateway P/verify')?.rps, raw_?.rps, '>=', 0.7, cpuPredicts(raw_?.cpu_us_per_request, verifyCpu, false)),
      {
        name: 'gateway RSS MB (peak)', value: gatewayRss, target: `< ${RSS_LIMIT_MB}`, pass: gatewayRss < RSS_LIMIT_MB,
        ...(gateway.storage.startsWith('embedded') ? { note: `embedded PGlite's WebAssembly heap is inside the process (external memory ${gatewayMemory.external_mb.toFixed(0)} MB, JS heap ${gatewayMemory.heap_used_mb.toFixed(0)} MB); set DATABASE_URL to measure the gateway alone` } : {}),
      },
      {
        name: 'RSS growth MB per million requests (fitted)', value: rss.slope_mb_per_million_requests, target: `< ${RSS_GROWTH_LIMIT_MB}`,
        pass: rss.slope_mb_per_million_requests < RSS_GROWTH_LIMIT_MB && rss.requests >= RSS_REQUESTS,
        note: `${(rss.requests / 1e6).toFixed(2)}M requests, start → end ${rss.growth_mb >= 0 ? '+' : ''}${rss.growth_mb.toFixed(1)} MB${rss.requests < RSS_REQUESTS ? `; only ${rss.requests} requests within ${RSS_MAX_SECONDS} s` : ''}`,
      },
      ratioCheck('sign-in load p99 / idle p99', signIns.gateway.loaded.p99_ms, signIns.gateway.idle.p99_ms, '<=', 2, [
        signIns.control ? `the raw undici proxy, which serves no sign-ins, × ${signIns.control.p99_ratio.toFixed(2)} under the same sign-ins` : '',
        signIns.sign_ins.per_second < SIGN_IN_RATE * 0.9 ? `sign-ins reached only ${signIns.sign_ins.per_second.toFixed(1)}/s` : '',
      ].filter(Boolean).join('; ') || undefined),
      ratioCheck('proxied req/s with assertion / without', assertion.rps_ratio, 1, '>=', 1 / ASSERTION_COST_LIMIT, `CPU per request × ${assertion.cpu_ratio.toFixed(3)}, p99 × ${assertion.p99_ratio.toFixed(3)}`),
      { name: 'hot path: no database round trip per request', value: hotPath.session_statements_per_request, target: 'session statements ≤ 1 per second', pass: hotPath.pass },
    ];
    let websockets: WebSocketPhaseResult | { skipped: string } = { skipped: 'BENCH_WEBSOCKETS=0' };
    if (process.env.BENCH_WEBSOCKETS !== '0') {
      say(`WebSockets: echo messages/s (${ROUNDS} rounds of ${SECONDS} s, 50 sockets) through the gateway, a raw TCP relay and nginx; then idle sockets…`);
      websockets = await websocketPhase({
        targets: [
          { name: 'gateway (signed in)', url: gateway.url, cookie: gateway.cookie },
          { name: 'raw TCP relay', url: rawUrl(relay.match), cookie: '' },
          ...(nginx ? [{ name: 'nginx WebSocket', url: nginx.websocketUrl, cookie: '' }] : []),
        ],
        gatewayPid: gateway.child.pid, rounds: ROUNDS, seconds: SECONDS, loadCore, say,
      });
      checks.push(...websockets.checks);
    }
    let embedded: EmbeddedResult | { skipped: string } = { skipped: 'BENCH_EMBEDDED=0' };
    if (process.env.BENCH_EMBEDDED !== '0') {
      say(`embedded storage: the gateway on PGlite as shipped, beside the settings before issue 30, ${ROUNDS} paired rounds of proxied load and of ${SIGN_IN_RATE} sign-ins/s…`);
      embedded = await embeddedPhase({
        tool, dir: path.join(dir, 'embedded'), bin: build ?? path.join(HERE, '../gateway/cli/bin.mjs'), upstreamPort,
        // Before issue 30 embedded storage had no flags of its own: it ran with PostgreSQL storage's.
        nodeFlags: nodeFlagsFor(pin, 'embedded'), previousNodeFlags: nodeFlagsFor(pin, 'postgresql'), seconds: SECONDS, rounds: ROUNDS, serverCore, loadCore,
      });
      say(formatEmbedded(embedded).replace(/^/gm, '  '));
      const line = embedded.current;
      const peak = Math.max(line.rss_idle_mb, line.rss_peak_proxied_mb, line.rss_peak_sign_ins_mb);
      checks.push(
        {
          name: 'embedded storage RSS MB (peak of idle, proxied, sign-ins)', value: peak, target: `< ${EMBEDDED_RSS_LIMIT_MB}`, pass: peak < EMBEDDED_RSS_LIMIT_MB,
          note: `idle ${line.rss_idle_mb.toFixed(0)}, proxied ${line.rss_peak_proxied_mb.toFixed(0)}, sign-ins ${line.rss_peak_sign_ins_mb.toFixed(0)}; before issue 30: ${embedded.previous.rss_idle_mb.toFixed(0)}, ${embedded.previous.rss_peak_proxied_mb.toFixed(0)}, ${embedded.previous.rss_peak_sign_ins_mb.toFixed(0)}`,
        },
        { name: 'embedded proxied req/s / before issue 30 (paired)', value: embedded.ratios.rps, target: `>= ${EMBEDDED_THROUGHPUT_FLOOR}`, pass: embedded.ratios.rps >= EMBEDDED_THROUGHPUT_FLOOR, note: `CPU per request × ${embedded.ratios.cpu_us_per_request.toFixed(3)}` },
        { name: 'embedded sign-ins/s / before issue 30 (paired)', value: embedded.ratios.sign_ins_per_second, target: `>= ${EMBEDDED_THROUGHPUT_FLOOR}`, pass: embedded.ratios.sign_ins_per_second >= EMBEDDED_THROUGHPUT_FLOOR, note: `proxied req/s beside the sign-ins × ${embedded.ratios.rps_under_sign_ins.toFixed(3)}` },
      );
    }
    say('admin data at scale: seeding a scratch PostgreSQL database and timing the dashboard\'s queries…');
    const admin = await adminDataPhase();
    if ('skipped' in admin) {
      say(`  skipped: ${admin.skipped}`);
      checks.push({ name: 'admin data: queries under 100 ms at scale', value: null, target: `< ${ADMIN_TARGET_MS} ms`, pass: null, note: admin.skipped });
    } else {
      say(`  seeded in ${admin.seed_seconds.toFixed(0)} s: ${JSON.stringify(admin.database)}`);
      say(formatAdminTimings(admin).replace(/^/gm, '  '));
      for (const timing of admin.timings.filter((t) => t.headline)) {
        checks.push({
          name: `admin: ${timing.name} (median ms)`, value: timing.median_ms, target: `< ${ADMIN_TARGET_MS}`, pass: timing.median_ms < ADMIN_TARGET_MS,
          note: `indexes ${timing.indexes!.join(', ') || 'none'}`,
        });
      }
    }
    const errors = summaries.reduce((sum, s) => sum + s.errors, 0) + rss.errors + signInPhases.reduce((sum, phase) => sum + phase.idle.errors + phase.loaded.errors, 0);
    if (errors > 0) checks.push({ name: 'error-free runs', value: errors, target: '0 errors', pass: false });

    say('');
    say(formatTable(summaries));
    say('');
    say(formatChecks(checks));
    const results: Results = {
      date: new Date().toISOString(),
      machine: info,
      setup: {
        load_tool: tool, connections: CONNECTIONS, seconds_per_round: SECONDS, rounds: ROUNDS, warm_up_seconds: WARM_UP_SECONDS,
        pinned: pin ? { servers: serverCore, load_generator: loadCore } : false, body_bytes: 1024,
        gateway: { build: FROM_SOURCE ? 'sources through tsx' : 'compiled (npm run build)', storage: gateway.storage, geoip: gateway.geoip, access_rules: 20, log_level: 'warn', node_flags: NODE_FLAGS }, nginx: nginxInstalled,
      },
      targets: summaries,
      gateway_memory_after_rounds: gatewayMemory,
      rss_stability: rss,
      sign_in_load: signIns,
      websockets,
      identity_assertion: assertion,
      embedded_storage: embedded,
      hot_path: hotPath,
      admin_data: admin,
      checks,
      all_pass: checks.every((c) => c.pass !== false),
      total_seconds: Math.round((performance.now() - began) / 1000),
    };
    fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    say(`\nwrote bench/results.json (${results.total_seconds} s)`);
    return 0;
  } finally {
    await cleanup();
  }
}

type AdminPhase = { skipped: string } | (AdminDataResult & { seed_seconds: number });

/**
 * Item 4 of issue 9: 100,000 users, 1,000,000 backup-code rows, 100,000 requests and 1,000,000
 * audit rows (bench/seed.ts) in a scratch database on the DATABASE_URL server, dropped afterwards;
 * then the dashboard's query functions timed against them (bench/admin-data.ts).
 */
async function adminDataPhase(): Promise<AdminPhase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return { skipped: 'needs PostgreSQL: set DATABASE_URL (a scratch database is created and dropped)' };
  if (process.env.BENCH_ADMIN === '0') return { skipped: 'BENCH_ADMIN=0' };
  const scratch = await createScratchDatabase(adminUrl, 'recourse_bench_admin');
  try {
    const seeded = await seedAdminData(scratch.url);
    return { ...(await timeAdminData(scratch.url)), seed_seconds: seeded.seconds };
  } finally {
    await scratch.drop().catch(() => {});
  }
}

function rawUrl(match: RegExpMatchArray): string {
  return `http://127.0.0.1:${match[1]}`;
}

/** Every target must answer 200 with the upstream's body (or, for verify, the identity headers) before anything is timed. */
async function sanityCheck(targets: Target[]): Promise<void> {
  for (const target of targets) {
    const res = await fetch(target.url, { headers: target.headers, redirect: 'manual' });
    const body = await res.arrayBuffer();
    const isVerify = target.url.includes(`${PREFIX}/verify`);
    const ok = res.status === 200 && (isVerify ? res.headers.get('remote-user') !== null : body.byteLength === 1024);
    if (!ok) throw new Error(`${target.name} answered ${res.status} (${body.byteLength} bytes) instead of the upstream page`);
  }
}

process.exitCode = await main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
