/**
 * Times the admin backup-code statistics (CONTRACT §5 `GET P/api/v1/backup-codes/stats`) and the
 * first page of holders against a seeded database (bench/seed-backup-codes.ts). Prints the median
 * of 20 runs after two warm-ups; the target is under 100 ms with 100,000 users and 1,000,000 rows.
 *
 *   DATABASE_URL=postgres://…/recourse_bench node --import tsx bench/backup-code-stats.ts [--explain]
 */
import { sql } from 'drizzle-orm';
import { openStorage, rowsOf, type Database } from '../db/client.js';
import { backupCodeStats, backupCodeStatsQuery, listBackupCodeHolders } from '../db/queries/backup-codes.js';
import { localDay, localMonth } from '../gateway/core/time-zone.js';

const RUNS = 20;
const WARM_UPS = 2;
const TARGET_MS = 100;

async function median(run: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  for (let i = 0; i < WARM_UPS; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: (times[RUNS / 2 - 1]! + times[RUNS / 2]!) / 2, min: times[0]!, max: times[RUNS - 1]! };
}

async function explain(db: Database, window: Parameters<typeof backupCodeStats>[1]): Promise<void> {
  const plan = await db.execute(sql`explain (analyze, buffers, costs off) ${backupCodeStatsQuery(window)}`);
  for (const row of rowsOf<Record<string, string>>(plan)) console.log(Object.values(row)[0]);
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to the seeded database');
  const timeZone = process.env.BENCH_TIME_ZONE ?? 'UTC';
  const storage = await openStorage({ databaseUrl, dataDir: '' });
  try {
    const { db } = storage;
    const now = new Date();
    const window = { lowThreshold: 3, today: localDay(now, timeZone), month: localMonth(now, timeZone) };
    const [size] = rowsOf<{ users: string; codes: string }>(await db.execute(sql`select (select count(*) from users) as users, (select count(*) from backup_codes) as codes`));
    const stats = await backupCodeStats(db, window);
    console.log(`database: ${size?.users} users, ${size?.codes} backup-code rows; time zone ${timeZone}`);
    console.log(`stats: ${JSON.stringify(stats)}`);
    const statsTime = await median(() => backupCodeStats(db, window));
    const pageTime = await median(() => listBackupCodeHolders(db, { limit: 51, offset: 0 }));
    const line = (name: string, t: { median: number; min: number; max: number }) =>
      `${name.padEnd(28)} median ${t.median.toFixed(1).padStart(6)} ms   min ${t.min.toFixed(1).padStart(6)} ms   max ${t.max.toFixed(1).padStart(6)} ms`;
    console.log(line('stats (4 numbers)', statsTime));
    console.log(line('holders, first page of 50', pageTime));
    console.log(statsTime.median < TARGET_MS ? `OK: stats under ${TARGET_MS} ms` : `SLOW: stats over ${TARGET_MS} ms`);
    if (process.argv.includes('--explain')) await explain(db, window);
    if (statsTime.median >= TARGET_MS) process.exitCode = 1;
  } finally {
    await storage.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.message}${error.cause ? `\n${String(error.cause)}` : ''}` : error);
  process.exitCode = 1;
});
