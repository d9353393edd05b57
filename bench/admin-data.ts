/**
 * Times the dashboard's data against a seeded database (bench/seed.ts: 100,000 users, 1,000,000
 * backup-code rows, 100,000 requests, 1,000,000 audit rows): the backup-code statistics, the
 * filtered request queue's first page, a user search and the audit API's first page — the very
 * query functions the routes call. Each is run twice to warm up, then 20 times; the target is a
 * median under 100 ms (issue 9). For the four the issue names, the statements the functions send
 * are captured and EXPLAINed, so the report shows which indexes serve them and whether any large
 * table is scanned whole. `npm run bench` runs this on a freshly seeded scratch database.
 *
 *   DATABASE_URL=postgres://…/recourse_bench node --import tsx bench/admin-data.ts
 */
import { pathToFileURL } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Database } from '../db/client.js';
import { listAuditRows } from '../db/queries/admin-audit.js';
import { listRecoveryRequests, openRequestsOf } from '../db/queries/admin.js';
import { searchUsers } from '../db/queries/admin-users.js';
import { backupCodeStats } from '../db/queries/backup-codes.js';
import * as schema from '../db/schema/index.js';
import { pageOf, parseRequestCursor, requestCursor } from '../gateway/admin/cursor.js';
import { localDay, localMonth } from '../gateway/core/time-zone.js';
import { groupOtherOpen } from '../gateway/routes/admin/queue.js';
import { RequestsPage } from '../views/pages/admin/requests.js';
import { countSeededRows, type SeededCounts } from './seed.js';

const RUNS = 20;
const WARM_UPS = 2;
export const ADMIN_TARGET_MS = 100;
const PAGE = 51; // the routes fetch one row more than the 50 they show, to know about a next page

export interface AdminTiming {
  name: string;
  /** One of the four the issue names. */
  headline: boolean;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** Indexes in the plan, and the tables read by a sequential scan (headline queries only). */
  indexes?: string[];
  seq_scans?: string[];
}

export interface AdminDataResult {
  database: SeededCounts;
  timings: AdminTiming[];
  pass: boolean;
}

async function time(run: () => Promise<unknown>): Promise<Pick<AdminTiming, 'median_ms' | 'min_ms' | 'max_ms'>> {
  for (let i = 0; i < WARM_UPS; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median_ms: (times[RUNS / 2 - 1]! + times[RUNS / 2]!) / 2, min_ms: times[0]!, max_ms: times[RUNS - 1]! };
}

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; Plans?: PlanNode[] }

function walkPlan(node: PlanNode, found: { indexes: Set<string>; seqScans: Set<string> }): void {
  if (node['Index Name']) found.indexes.add(node['Index Name']);
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) found.seqScans.add(node['Relation Name']);
  for (const child of node.Plans ?? []) walkPlan(child, found);
}

export async function timeAdminData(databaseUrl: string): Promise<AdminDataResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Every statement the query functions send, with its parameters, for EXPLAIN.
  let captured: Array<{ query: string; params: unknown[] }> | null = null;
  const db = drizzle({ client: pool, schema, logger: { logQuery: (query, params) => captured?.push({ query, params }) } }) as unknown as Database;
  const capture = async (run: () => Promise<unknown>) => {
    captured = [];
    await run();
    const statements = captured;
    captured = null;
    return statements;
  };
  try {
    const now = new Date();
    const window = { lowThreshold: 3, today: localDay(now, 'UTC'), month: localMonth(now, 'UTC') };
    const database = await countSeededRows(db);

    // A cursor deep in the queue: the page after the 5,000th completed request.
    const deep = await listRecoveryRequests(db, { status: 'completed', type: null, after: null, limit: 5_000 });
    const deepCursor = parseRequestCursor(requestCursor(deep.at(-1)!))!;
    const user = (q: string) => searchUsers(db, { q, role: null, type: null, status: null, after: null, limit: PAGE });

    // The whole page as the route answers it: the query, then the HTML.
    const renderQueue = async () => {
      const page = pageOf(await listRecoveryRequests(db, { status: 'pending', type: 'employee', after: null, limit: PAGE }), PAGE - 1, requestCursor);
      // The route's one extra query: the page's accounts' other open requests (issue 28).
      const open = await openRequestsOf(db, page.items.flatMap((row) => (row.userId ? [row.userId] : [])));
      return String(await RequestsPage({
        prefix: '/.recourse', csrfToken: 'x', user: { email: 'admin@bench.invalid', name: 'Admin' }, superAdmins: 2, timeZone: 'UTC',
        rows: page.items, nextCursor: page.nextCursor, filter: { status: 'pending', type: 'employee' },
        nowMs: now.getTime(), staleAfterMs: 3 * 86_400_000, otherOpen: groupOtherOpen(page.items, open),
        actions: Object.fromEntries(page.items.map((row) => [row.reference, { generate: true, cancel: true }])),
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
    const timings: AdminTiming[] = [];
    for (const [name, run, headline] of checks) {
      const timing: AdminTiming = { name, headline, ...(await time(run)) };
      if (headline) {
        const found = { indexes: new Set<string>(), seqScans: new Set<string>() };
        for (const statement of await capture(run)) {
          const [row] = (await pool.query(`explain (format json) ${statement.query}`, statement.params)).rows as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
          walkPlan(row!['QUERY PLAN'][0]!.Plan, found);
        }
        timing.indexes = [...found.indexes].sort();
        // A scan of a table with no rows to speak of is the planner's right choice; say how big each is.
        timing.seq_scans = [];
        for (const table of [...found.seqScans].sort()) {
          const { rows } = await pool.query('select count(*)::int as n from ' + pg.escapeIdentifier(table));
          timing.seq_scans.push(`${table} (${(rows[0] as { n: number }).n} rows)`);
        }
      }
      timings.push(timing);
    }
    return { database, timings, pass: timings.every((t) => t.median_ms < ADMIN_TARGET_MS) };
  } finally {
    await pool.end();
  }
}

export function formatAdminTimings(result: AdminDataResult): string {
  return result.timings.map((t) => {
    const plan = t.indexes ? `   indexes: ${t.indexes.join(', ') || 'none'}${t.seq_scans!.length ? `; whole-table scans: ${t.seq_scans!.join(', ')}` : ''}` : '';
    return `${t.headline ? '*' : ' '} ${t.name.padEnd(38)} median ${t.median_ms.toFixed(1).padStart(6)} ms   max ${t.max_ms.toFixed(1).padStart(6)} ms${t.median_ms >= ADMIN_TARGET_MS ? '   OVER' : ''}${plan}`;
  }).join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to the database bench/seed.ts filled');
  const result = await timeAdminData(databaseUrl);
  console.log(`database: ${JSON.stringify(result.database)}`);
  console.log(formatAdminTimings(result));
  console.log(result.pass ? `OK: every median under ${ADMIN_TARGET_MS} ms (* = the four the issue names)` : `SLOW: at least one over ${ADMIN_TARGET_MS} ms`);
  if (!result.pass) process.exitCode = 1;
}
