import type { BenchGateway } from './gateway.js';
import { runLoad, runLoadMeasuringCpu, type LoadOptions, type LoadTool } from './load.js';
import { median } from './report.js';

/** The app with a signed assertion (bench/gateway.ts `assertionHost`); the one without is the `*` app. */
export const ASSERTION_HOST = 'signed.bench.test';
// Issue 26: the proxied request with an assertion within 5% of the request without.
export const ASSERTION_COST_LIMIT = 1.05;
// Paired rounds of this phase, in `npm run bench` too: a 5% limit needs more than its 3.
export const ASSERTION_ROUNDS = 6;

export interface AssertionCost {
  rounds: number;
  without: { rps: number; p99_ms: number; cpu_us_per_request: number };
  with: { rps: number; p99_ms: number; cpu_us_per_request: number };
  /** Medians of the per-round ratios with / without. */
  rps_ratio: number;
  cpu_ratio: number;
  p99_ratio: number;
}

/**
 * The proxied request with an identity assertion against the same request without, on one
 * gateway and one upstream: the two apps differ only in `identity.assertion`, and the 20 rules
 * treat both hosts alike. Paired rounds, the order flipping each round, medians of the ratios.
 */
export async function assertionCost(tool: LoadTool, gateway: BenchGateway, load: Omit<LoadOptions, 'url'>, rounds: number): Promise<AssertionCost> {
  const url = `${gateway.url}/some/page`;
  const targets = {
    without: { ...load, url },
    with: { ...load, url, headers: { ...load.headers, host: ASSERTION_HOST } },
  };
  // Both warmed first: the first requests for the signed app sign its assertion and compile its path.
  for (const name of ['without', 'with'] as const) await runLoad(tool, { ...targets[name], seconds: 2 });
  const runs = { without: [] as Array<Awaited<ReturnType<typeof runLoadMeasuringCpu>>>, with: [] as Array<Awaited<ReturnType<typeof runLoadMeasuringCpu>>> };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
    for (const name of order) {
      const result = await runLoadMeasuringCpu(tool, targets[name], gateway.child.pid);
      if (result.errors) throw new Error(`assertion phase: ${result.errors} errors on the ${name} target`);
      runs[name].push(result);
    }
  }
  const ratio = (pick: (run: (typeof runs.with)[number]) => number) => median(runs.with.map((run, i) => pick(run) / pick(runs.without[i]!)));
  const summary = (list: typeof runs.with) => ({ rps: median(list.map((r) => r.rps)), p99_ms: median(list.map((r) => r.p99Ms)), cpu_us_per_request: median(list.map((r) => r.cpuMicrosPerRequest)) });
  return {
    rounds,
    without: summary(runs.without),
    with: summary(runs.with),
    rps_ratio: ratio((r) => r.rps),
    cpu_ratio: ratio((r) => r.cpuMicrosPerRequest),
    p99_ratio: ratio((r) => r.p99Ms),
  };
}

export function formatAssertionCost(cost: AssertionCost): string {
  const line = (name: string, s: AssertionCost['with']) => `${name.padEnd(20)} ${s.rps.toFixed(0).padStart(6)} req/s  p99 ${s.p99_ms.toFixed(2)} ms  ${s.cpu_us_per_request.toFixed(0)} µs CPU/request`;
  return [
    line('without assertion', cost.without),
    line('with assertion', cost.with),
    `with / without (medians of ${cost.rounds} paired rounds): req/s × ${cost.rps_ratio.toFixed(3)}, CPU/request × ${cost.cpu_ratio.toFixed(3)}, p99 × ${cost.p99_ratio.toFixed(3)}`,
  ].join('\n');
}
