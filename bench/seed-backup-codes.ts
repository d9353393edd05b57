/**
 * Seeds a PostgreSQL database (DATABASE_URL) with 100,000 users and 1,000,000 backup-code rows for
 * bench/backup-code-stats.ts. Set-based SQL (generate_series), so it takes seconds, not minutes.
 * Re-running replaces the earlier bench rows; nothing else in the database is touched.
 *
 *   DATABASE_URL=postgres://…/recourse_bench node --import tsx bench/seed-backup-codes.ts
 */
import { sql } from 'drizzle-orm';
import { openStorage, rowsOf, type Executor } from '../db/client.js';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CODES_PER_USER = 10; // the policy default `count`: USERS × 10 = 1,000,000 rows
const DOMAIN = 'bench.invalid'; // RFC 2606: can never be a real address

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to a scratch PostgreSQL database');
  const storage = await openStorage({ databaseUrl, dataDir: '' });
  const started = performance.now();
  try {
    await storage.migrate();
    const { db } = storage;
    await db.transaction(async (tx) => {
      // The pool's 10 s statement timeout guards requests; a bulk load may take longer.
      await tx.execute(sql`set local statement_timeout = 0`);
      await seed(tx);
    });
    // Sets the visibility map, so the per-user counts are index-only scans, and refreshes statistics.
    await db.execute(sql`vacuum analyze users`);
    await db.execute(sql`vacuum analyze backup_codes`);
    const [row] = rowsOf<{ users: string; codes: string }>(await db.execute(sql`select (select count(*) from users where email like ${`%@${DOMAIN}`}) as users, (select count(*) from backup_codes) as codes`));
    console.log(`seeded ${row?.users} users and ${row?.codes} backup-code rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await storage.close();
  }
}

async function seed(db: Executor): Promise<void> {
  await db.execute(sql`delete from users where email like ${`%@${DOMAIN}`}`);
  await db.execute(sql`
    insert into users (id, email, name, role, type, created_at, updated_at)
    select md5('bench-user-' || n)::uuid, 'bench-' || n || ${`@${DOMAIN}`}, 'Bench user ' || n,
      case when n % 1000 = 0 then 'admin' else 'user' end,
      (array['user', 'employee', 'customer'])[1 + n % 3],
      now() - interval '90 days', now() - interval '90 days'
    from generate_series(1, ${USERS}) as n`);
  // Per user one set of ten codes. The mix: 70 % hold a partly used set (0–7 used), 10 % are
  // nearly or fully spent (8–10 used), 20 % had their set voided. Uses spread over 60 days.
  await db.execute(sql`
    insert into backup_codes (id, user_id, set_id, code_hash, created_at, used_at, used_ip, voided_at)
    select md5('bench-code-' || n || '-' || k)::uuid, md5('bench-user-' || n)::uuid, md5('bench-set-' || n)::uuid,
      encode(sha256(convert_to('bench-' || n || '-' || k, 'UTF8')), 'hex'),
      now() - interval '90 days',
      case when k <= used then now() - make_interval(mins => ((n * 7919 + k * 104729) % (60 * 24 * 60))) end,
      case when k <= used then '192.0.2.' || (n % 250) end,
      case when n % 10 >= 8 and k > used then now() - interval '30 days' end
    from generate_series(1, ${USERS}) as n
    cross join lateral (select case when n % 10 = 7 then 8 + n % 3 else n % 8 end as used) as u
    cross join generate_series(1, ${CODES_PER_USER}) as k`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.message}${error.cause ? `\n${String(error.cause)}` : ''}` : error);
  process.exitCode = 1;
});
