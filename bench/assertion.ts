/**
 * The identity-assertion phase of bench/run.ts on its own (issue 26: the proxied request with a
 * signed assertion within 5% of the request without): one upstream, one gateway with two apps that
 * differ only in `identity.assertion`, paired rounds.
 *
 *   node --import tsx bench/assertion.ts      knobs: BENCH_SECONDS (8), BENCH_ROUNDS (6), DATABASE_URL
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSERTION_COST_LIMIT, ASSERTION_HOST, ASSERTION_ROUNDS, assertionCost, formatAssertionCost } from './assertion-phase.js';
import { startChild } from './child.js';
import { startBenchGateway } from './gateway.js';
import { pickLoadTool } from './load.js';
import { benchStorage, productionNodeFlags } from './production-flags.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? ASSERTION_ROUNDS);

async function main(): Promise<number> {
  const tool = pickLoadTool();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-assertion-'));
  const upstream = await startChild({ name: 'upstream', command: process.execPath, args: ['--import', 'tsx', path.join(HERE, 'upstream.ts')], core: 1, ready: /listening (\d+)/ });
  const gateway = await startBenchGateway({ dir, upstreamPort: Number(upstream.match[1]), core: 1, nodeFlags: productionNodeFlags(benchStorage()), assertionHost: ASSERTION_HOST });
  try {
    const load = { headers: { cookie: gateway.cookie }, connections: 50, core: 0, seconds: SECONDS };
    const cost = await assertionCost(tool, gateway, load, ROUNDS);
    process.stdout.write(`${tool}, ${gateway.storage}\n${formatAssertionCost(cost)}\n`);
    const pass = cost.rps_ratio >= 1 / ASSERTION_COST_LIMIT;
    process.stdout.write(`${pass ? 'PASS' : 'FAIL'}: req/s with the assertion ≥ ${(1 / ASSERTION_COST_LIMIT).toFixed(3)} × without\n`);
    return pass ? 0 : 1;
  } finally {
    await gateway.stop();
    await upstream.child.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
