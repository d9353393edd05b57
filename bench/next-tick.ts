/**
 * The embedded-storage finding of docs/performance.md (runs L and M), reproduced without the
 * gateway: the cost of one `process.nextTick` call, warmed up, after opening PGlite with or
 * without the trigram extension that user search needs. On Node 20 the extension leaves
 * nextTick's object literal on V8's slow path (~215 ns against ~25–40 ns).
 *
 *   node [--no-lazy-feedback-allocation] --import tsx bench/next-tick.ts [plain|trgm]
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

const noop = () => {};

/** The fastest of 20 batches of 200 calls, in ns per call (scheduling only; the batch drains after). */
function nextTickNanos(): number {
  let best = Infinity;
  for (let batch = 0; batch < 20; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) process.nextTick(noop);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 200);
  }
  return best;
}

/** Lets V8 optimise nextTick: 100 rounds, each on a fresh turn of the event loop; the last round's cost. */
async function warmedNextTickNanos(): Promise<number> {
  let last = 0;
  for (let round = 0; round < 100; round++) {
    last = nextTickNanos();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return last;
}

const mode = process.argv[2] ?? 'trgm';
if (mode !== 'plain' && mode !== 'trgm') throw new Error('usage: bench/next-tick.ts [plain|trgm]');
const db = mode === 'trgm' ? await PGlite.create({ extensions: { pg_trgm } }) : await PGlite.create();
await db.query('select 1');
console.log(`PGlite ${mode === 'trgm' ? 'with' : 'without'} pg_trgm: process.nextTick ${(await warmedNextTickNanos()).toFixed(0)} ns per call`);
await db.close();
