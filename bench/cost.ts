/**
 * The gateway's own cost per signed-in proxied request, without the comparison targets: CPU µs per
 * request (from /proc, so other load on the machine moves it far less than req/s) and where its
 * memory sits. For measuring one change at a time; `npm run bench` stays the full report.
 *
 *   node --import tsx bench/cost.ts
 *
 * Knobs: COST_SECONDS (6), COST_ROUNDS (5), COST_NODE_FLAGS (e.g. "--max-semi-space-size=4"),
 * COST_GATEWAY_BIN (another entry point taking `serve --config …`, e.g. a compiled build),
 * COST_PATH (/some/page), DATABASE_URL (PostgreSQL instead of embedded PGlite).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, startChild } from './child.js';
import { startBenchGateway } from './gateway.js';
import { runLoad, runLoadMeasuringCpu } from './load.js';
import { memoryBreakdown } from './proc.js';
import { median } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.COST_SECONDS ?? 6);
const ROUNDS = Number(process.env.COST_ROUNDS ?? 5);
const CONNECTIONS = 50;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const pin = hasCommand('taskset') && os.availableParallelism() >= 2;
  const serverCore = pin ? 1 : undefined;
  const loadCore = pin ? 0 : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-cost-'));
  const upstream = await startChild({
    name: 'upstream', command: process.execPath, args: ['--import', 'tsx', path.join(HERE, 'upstream.ts')], core: serverCore, ready: /listening (\d+)/,
  });
  const nodeFlags = (process.env.COST_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const gateway = await startBenchGateway({
    dir: path.join(dir, 'gateway'), upstreamPort: Number(upstream.match[1]), core: serverCore, nodeFlags,
    ...(process.env.COST_GATEWAY_BIN ? { bin: process.env.COST_GATEWAY_BIN } : {}),
  }).catch(async (error: unknown) => {
    await upstream.child.stop();
    throw error;
  });
  try {
    const pid = gateway.child.pid;
    const load = { url: `${gateway.url}${process.env.COST_PATH ?? '/some/page'}`, headers: { cookie: gateway.cookie }, connections: CONNECTIONS, core: loadCore };
    const probe = await fetch(load.url, { headers: load.headers, redirect: 'manual' });
    const body = await probe.arrayBuffer();
    if (probe.status !== 200 || body.byteLength !== 1024) throw new Error(`the gateway answered ${probe.status} (${body.byteLength} bytes), not the upstream page`);
    say(`gateway ${gateway.storage}, flags [${nodeFlags.join(' ')}]${process.env.COST_GATEWAY_BIN ? `, bin ${process.env.COST_GATEWAY_BIN}` : ''}; load average ${os.loadavg()[0]!.toFixed(2)}`);
    say(`after start: ${JSON.stringify(memoryBreakdown(pid))}`);
    await runLoad('autocannon', { ...load, seconds: 3 });
    const rounds: Array<{ cpu: number; rps: number; p99: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const result = await runLoadMeasuringCpu('autocannon', { ...load, seconds: SECONDS }, pid);
      if (result.errors) throw new Error(`${result.errors} errors in round ${round + 1}`);
      const cpu = result.cpuMicrosPerRequest;
      rounds.push({ cpu, rps: result.rps, p99: result.p99Ms });
      say(`  round ${round + 1}: ${cpu.toFixed(1)} µs CPU/request, ${result.rps.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(2)} ms`);
    }
    const memory = { ...memoryBreakdown(pid), ...(await gateway.memory()) };
    say(`median ${median(rounds.map((r) => r.cpu)).toFixed(1)} µs CPU/request, ${median(rounds.map((r) => r.rps)).toFixed(0)} req/s`);
    say(`memory after load: ${JSON.stringify(memory)}`);
  } finally {
    await gateway.stop();
    await upstream.child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
