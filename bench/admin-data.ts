/**
 * Times the dashboard's data against a seeded database (bench/seed.ts: 100,000 users, 1,000,000
 * backup-code rows, 100,000 requests, 1,000,000 audit rows): the backup-code statistics, the
 * filtered request queue's first page, a user search and the audit API's first page — the very
 * query functions the routes call. Prints the median of 20 runs after two warm-ups; the target
 * for each is under 100 ms (issue 7). Exits 1 if one is over.
 *
 *   DATABASE_URL=postgres://…/recourse_bench node --import tsx bench/admin-data.ts [--explain]
 */
import { sql } from 'drizzle-orm';
import { openStorage, rowsOf, type Database } from '../db/client.js';
import { listAuditRows } from '../db/queries/admin-audit.js';
import { listRecoveryRequests } from '../db/queries/admin.js';
import { searchUsers } from '../db/queries/admin-users.js';
import { backupCodeStats } from '../db/queries/backup-codes.js';
import { pageOf, parseRequestCursor, requestCursor } from '../gateway/admin/cursor.js';
import { localDay, localMonth } from '../gateway/core/time-zone.js';
import { RequestsPage } from '../views/pages/admin/requests.js';

const RUNS = 20;
const WARM_UPS = 2;
const TARGET_MS = 100;
const PAGE = 51; // the routes fetch one row more than the 50 they show, to know about a next page

interface Timing { median: number; min: number; max: number }

async function time(run: () => Promise<unknown>): Promise<Timing> {
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

async function explain(db: Database, label: string, query: ReturnType<typeof sql>): Promise<void> {
  console.log(`\n-- ${label}`);
  for (const row of rowsOf<Record<string, string>>(await db.execute(sql`explain (analyze, buffers, costs off) ${query}`))) console.log(Object.values(row)[0]);
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to the database bench/seed.ts filled');
  const storage = await openStorage({ databaseUrl, dataDir: '' });
  try {
    const { db } = storage;
    const now = new Date();
    const window = { lowThreshold: 3, today: localDay(now, 'UTC'), month: localMonth(now, 'UTC') };
    const [size] = rowsOf<Record<string, string>>(await db.execute(sql`select (select count(*) from users) as users,
      (select count(*) from backup_codes) as backup_codes, (select count(*) from assistance_requests) as requests, (select count(*) from audit_log) as audit_rows`));
    console.log(`database: ${JSON.stringify(size)}`);

    // A cursor deep in the queue: the page after the 5,000th completed request.
    const deep = await listRecoveryRequests(db, { status: 'completed', type: null, after: null, limit: 5_000 });
    const deepCursor = parseRequestCursor(requestCursor(deep.at(-1)!))!;
    const user = (q: string) => searchUsers(db, { q, role: null, type: null, status: null, after: null, limit: PAGE });

    // The whole page as the route answers it: the query, then the HTML.
    const renderQueue = async () => {
      const page = pageOf(await listRecoveryRequests(db, { status: 'pending', type: 'employee', after: null, limit: PAGE }), PAGE - 1, requestCursor);
      return String(await RequestsPage({
        prefix: '/.recourse', csrfToken: 'x', user: { email: 'admin@bench.invalid', name: 'Admin' }, superAdmins: 2, timeZone: 'UTC',
        rows: page.items, nextCursor: page.nextCursor, filter: { status: 'pending', type: 'employee' },
      }));
    };

    const checks: Array<[string, () => Promise<unknown>, boolean]> = [
      ['backup-code stats (4 numbers)', () => backupCodeStats(db, window), true],
      ['queue: Pending + Employee, page 1', () => listRecoveryRequests(db, { status: 'pending', type: 'employee', after: null, limit: PAGE }), true],
      ['queue: same, rendered as the page', renderQueue, false],
      ['queue: All + All Types, page 1', () => listRecoveryRequests(db, { status: null, type: null, after: null, limit: PAGE }), false],
      ['queue: Completed, page 101 (cursor)', () => listRecoveryRequests(db, { status: 'completed', type: null, after: deepCursor, limit: PAGE }), false],
      ['users: search "bench-4242"', () => user('bench-4242'), true],
      ['users: search, no match', () => user('no-such-person'), false],
      ['users: first page, no filter', () => user(''), false],
      ['audit API: first page', () => listAuditRows(db, { event: null, userId: null, actor: null, since: null, until: null, beforeId: null, limit: PAGE }), true],
      ['audit API: event filter', () => listAuditRows(db, { event: 'second_factor.reset', userId: null, actor: null, since: null, until: null, beforeId: null, limit: PAGE }), false],
    ];
    let slow = false;
    for (const [name, run, headline] of checks) {
      const t = await time(run);
      const over = t.median >= TARGET_MS;
      if (over) slow = true;
      console.log(`${headline ? '*' : ' '} ${name.padEnd(38)} median ${t.median.toFixed(1).padStart(6)} ms   min ${t.min.toFixed(1).padStart(6)} ms   max ${t.max.toFixed(1).padStart(6)} ms${over ? '   OVER' : ''}`);
    }
    console.log(slow ? `SLOW: at least one over ${TARGET_MS} ms` : `OK: every median under ${TARGET_MS} ms (* = the four the issue names)`);
    if (process.argv.includes('--explain')) {
      await explain(db, 'queue: Pending + Employee', sql`select r.id from assistance_requests r left join users u on u.id = r.user_id
        where r.status = 'pending' and u.type = 'employee' order by r.created_at desc, r.id desc limit ${PAGE}`);
      await explain(db, 'users: search', sql`select u.id from users u where (lower(u.email) like '%bench-4242%' or lower(u.name) like '%bench-4242%') order by lower(u.email) limit ${PAGE}`);
    }
    if (slow) process.exitCode = 1;
  } finally {
    await storage.close();
  }
}

await main();
