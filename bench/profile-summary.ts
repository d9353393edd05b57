/**
 * Reads a V8 .cpuprofile (from `BENCH_CPU_PROF=<dir> npm run bench`, which runs the gateway with
 * `node --cpu-prof`) and prints where the time went: the top functions by self time, and self time
 * summed per source file, so a hot-path regression shows up as a file name.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25] [from-second] [to-second] [requests]
 *
 * from/to (seconds since the profile started) cut away start-up and shutdown; with the number of
 * requests served in that window, each line also shows microseconds per request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 25);
const fromMicros = Number(process.argv[4] ?? 0) * 1e6;
const toMicros = process.argv[5] === undefined ? Infinity : Number(process.argv[5]) * 1e6;
const requests = Number(process.argv[6] ?? 0);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
let clock = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  clock += delta;
  if (clock >= fromMicros && clock <= toMicros) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
});
console.log(`profile spans ${(clock / 1e6).toFixed(1)} s`);
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

// The checkout this script runs from, found at run time, so its files print relative to it wherever it lives.
const REPOSITORY_ROOT = `${path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')}/`;
const withoutRoot = (where: string) => (where.startsWith(REPOSITORY_ROOT) ? where.slice(REPOSITORY_ROOT.length) : where);
const shortUrl = (url: string) => withoutRoot(url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/'));
const perFunction = new Map<string, number>();
const perFile = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const frame = byId.get(id)!.callFrame;
  const where = frame.url ? shortUrl(frame.url) : '(native)';
  const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
  perFunction.set(name, (perFunction.get(name) ?? 0) + micros);
  const group = frame.url ? where.replace(/^(~\/(@[^/]+\/)?[^/]+).*$/, '$1') : frame.functionName || '(native)';
  perFile.set(group, (perFile.get(group) ?? 0) + micros);
}
const print = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const perRequest = requests ? `${(micros / requests).toFixed(2).padStart(7)} µs/req  ` : '';
    console.log(`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${perRequest}${name}`);
  }
};
// Inclusive time: a sample counts once for every distinct function on its stack.
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!.callFrame;
    if (!frame.url) continue;
    const name = `${frame.functionName || '(anonymous)'}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
  }
}
console.log(`${(total / 1e6).toFixed(2)} s sampled`);
print('self time by function', perFunction);
print('self time by file or package', perFile);
print('inclusive time by function', inclusive);
