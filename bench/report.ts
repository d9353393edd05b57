import type { HotPathCheck } from './hot-path.js';
import type { LoadResult } from './load.js';

export interface Round extends LoadResult {
  cpuMicrosPerRequest: number;
  rssMb: number;
}

export interface TargetSummary {
  target: string;
  rounds: Round[];
  rps: number;
  p50_ms: number;
  p99_ms: number;
  cpu_us_per_request: number;
  rss_mb: number;
  errors: number;
  bytes_per_request: number;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function summarise(target: string, rounds: Round[]): TargetSummary {
  return {
    target,
    rounds,
    rps: median(rounds.map((r) => r.rps)),
    p50_ms: median(rounds.map((r) => r.p50Ms)),
    p99_ms: median(rounds.map((r) => r.p99Ms)),
    cpu_us_per_request: median(rounds.map((r) => r.cpuMicrosPerRequest)),
    rss_mb: Math.max(...rounds.map((r) => r.rssMb)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    bytes_per_request: median(rounds.map((r) => r.bytesPerRequest)),
  };
}

export interface Check {
  name: string;
  value: number | null;
  target: string;
  pass: boolean | null;
  note?: string;
}

/** `pass: null` when the comparison point is missing (nginx not installed). */
export function ratioCheck(name: string, numerator: number | undefined, denominator: number | undefined, op: '>=' | '<=', bound: number, note?: string): Check {
  if (numerator === undefined || denominator === undefined || !(denominator > 0)) {
    return { name, value: null, target: `${op} ${bound}`, pass: null, note: note ?? 'not measured' };
  }
  const value = numerator / denominator;
  return { name, value, target: `${op} ${bound}`, pass: op === '>=' ? value >= bound : value <= bound, ...(note ? { note } : {}) };
}

const pad = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width));
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export function formatTable(rows: TargetSummary[]): string {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MB'];
  const lines = rows.map((r) => [r.target, fixed(r.rps, 0), fixed(r.p50_ms, 2), fixed(r.p99_ms, 2), fixed(r.cpu_us_per_request, 1), fixed(r.rss_mb, 1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => pad(cell, widths[i]!, i > 0)).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => {
    const verdict = c.pass === null ? 'SKIP' : c.pass ? 'PASS' : 'FAIL';
    const value = c.value === null ? '-' : fixed(c.value, 2);
    return `${verdict}  ${pad(c.name, width)}  ${pad(value, 8, true)}  (target ${c.target})${c.note ? `  ${c.note}` : ''}`;
  }).join('\n');
}

export interface Results {
  date: string;
  machine: { nproc: number; cpu_model: string; node: string; kernel: string; load_average_at_start: number[] };
  setup: Record<string, unknown>;
  targets: TargetSummary[];
  gateway_memory_after_rounds: Record<string, unknown>;
  rss_stability: Record<string, unknown>;
  sign_in_load: Record<string, unknown>;
  identity_assertion: object;
  embedded_storage: object;
  hot_path: HotPathCheck;
  admin_data: object;
  checks: Check[];
  all_pass: boolean;
  total_seconds: number;
}
