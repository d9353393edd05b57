/**
 * Seeds a scratch PostgreSQL database (DATABASE_URL) at the scale the admin dashboard is measured
 * at: 100,000 users, 1,000,000 backup-code rows, 200,000 sign-in events, 100,000 recovery requests
 * and 1,000,000 audit rows. Set-based SQL (generate_series), so it takes seconds, not minutes.
 * Re-running replaces the earlier bench rows; nothing else in the database is touched.
 *
 * The audit rows get plausible prev_hash/hash values for timing only: their chain does not verify
 * (`recourse audit verify` reports the first of them), so never seed a database that matters.
 *
 *   DATABASE_URL=postgres://…/recourse_bench npm run bench:seed
 */
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import { openStorage, rowsOf, type Executor } from '../db/client.js';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CODES_PER_USER = 10; // the policy default `count`: USERS × 10 = 1,000,000 rows
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const DOMAIN = 'bench.invalid'; // RFC 2606: can never be a real address
const SEED_MARK = 'bench-seed'; // audit_log.request_id of the seeded rows

export interface SeededCounts { users: string; backup_codes: string; sign_ins: string; requests: string; audit_rows: string }

/** Seeds (or re-seeds) the database at `databaseUrl`; returns the seconds it took. */
export async function seedAdminData(databaseUrl: string): Promise<{ seconds: number }> {
  const storage = await openStorage({ databaseUrl, dataDir: '' });
  const started = performance.now();
  try {
    await storage.migrate();
    const { db } = storage;
    await db.transaction(async (tx) => {
      // The pool's 10 s statement timeout guards requests; a bulk load may take longer.
      await tx.execute(sql`set local statement_timeout = 0`);
      await clear(tx);
      await seedUsers(tx);
      await seedBackupCodes(tx);
      await seedSignIns(tx);
      await seedRequests(tx);
      await seedAudit(tx);
    });
    // Sets the visibility maps (index-only scans) and refreshes the planner's statistics.
    for (const table of ['users', 'backup_codes', 'backup_code_balances', 'sign_in_events', 'assistance_requests', 'audit_log']) {
      await db.execute(sql.raw(`vacuum analyze ${table}`));
    }
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await storage.close();
  }
}

async function clear(db: Executor): Promise<void> {
  await db.execute(sql`delete from audit_log where request_id = ${SEED_MARK}`);
  await db.execute(sql`delete from assistance_requests where submitted_email like ${`%@${DOMAIN}`}`);
  await db.execute(sql`delete from sign_in_events where email like ${`%@${DOMAIN}`}`);
  // backup_codes go with their users (on delete cascade).
  await db.execute(sql`delete from users where email like ${`%@${DOMAIN}`}`);
}

async function seedUsers(db: Executor): Promise<void> {
  // One admin in a thousand, one owner in ten thousand; types in equal thirds; 2 % disabled.
  await db.execute(sql`
    insert into users (id, email, name, role, type, active, data_protection_level, expert_mode, created_at, updated_at)
    select md5('bench-user-' || n)::uuid, 'bench-' || n || ${`@${DOMAIN}`}, 'Bench user ' || n,
      case when n % 10000 = 0 then 'owner' when n % 1000 = 0 then 'admin' else 'user' end,
      (array['user', 'employee', 'customer'])[1 + n % 3],
      n % 50 <> 0,
      case when n % 1000 = 0 then 1 else 0 end, n % 2000 = 0,
      now() - interval '400 days', now() - interval '400 days'
    from generate_series(1, ${USERS}) as n`);
}

async function seedBackupCodes(db: Executor): Promise<void> {
  // Per user one set of ten codes: 70 % partly used (0–7), 10 % nearly or fully spent (8–10),
  // 20 % voided. Uses spread over 60 days (the same mix as bench/seed-backup-codes.ts).
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

async function seedSignIns(db: Executor): Promise<void> {
  // Two per user over the last 30 days, one in ten a failure.
  await db.execute(sql`
    insert into sign_in_events (user_id, email, at, success, method, ip, city, country)
    select md5('bench-user-' || n)::uuid, 'bench-' || n || ${`@${DOMAIN}`},
      now() - make_interval(mins => ((n * 31 + k * 7717) % (30 * 24 * 60))),
      (n + k) % 10 <> 0, 'password', '198.51.100.' || (n % 250), null, 'SE'
    from generate_series(1, ${USERS}) as n cross join generate_series(1, 2) as k`);
}

async function seedRequests(db: Executor): Promise<void> {
  // A year of requests, one every ~5 minutes: 5 % pending, 10 % approved, 15 % cancelled, the rest
  // completed; 90 % matched an account. References AR-XXXX-XXXX from the hex of n (unique; hex
  // digits are in the code alphabet).
  await db.execute(sql`
    insert into assistance_requests (id, reference, submitted_email, user_id, type, message, created_at, updated_at,
      ip, location, network, context, flags, status, delivery)
    select md5('bench-request-' || n)::uuid,
      'AR-' || upper(substr(h, 1, 4)) || '-' || upper(substr(h, 5, 4)),
      'bench-' || (1 + (n * 7919) % ${USERS}) || ${`@${DOMAIN}`},
      case when n % 10 <> 3 then md5('bench-user-' || (1 + (n * 7919) % ${USERS}))::uuid end,
      (array['lost_2fa', 'forgot_password', 'locked_out', 'other'])[1 + n % 4],
      'Bench request ' || n,
      now() - make_interval(secs => (${REQUESTS} - n) * 315), now() - make_interval(secs => (${REQUESTS} - n) * 315),
      '203.0.113.' || (n % 250), 'unknown', 'unknown', '{}'::jsonb,
      case when n % 97 = 0 then '["repeated_account"]'::jsonb else '[]'::jsonb end,
      case when n % 20 = 0 then 'pending' when n % 20 < 3 then 'approved' when n % 20 < 6 then 'cancelled' else 'completed' end,
      case when n % 20 = 0 then 'pending' when n % 50 = 1 then 'failed' when n % 7 = 0 then 'sms_sent' else 'email_sent' end
    from generate_series(1, ${REQUESTS}) as n
    cross join lateral (select lpad(to_hex(n), 8, '0') as h) as hex`);
}

async function seedAudit(db: Executor): Promise<void> {
  // A year of events after whatever the log already holds, in id (= time) order; a realistic mix
  // dominated by sign-ins. prev_hash/hash are well-formed but do not chain (see the file comment).
  await db.execute(sql`
    with base as (select coalesce(max(id), 0) as id from audit_log)
    insert into audit_log (id, at, event, actor_id, actor_label, user_id, ip, location, reason, details, request_id, prev_hash, hash)
    select base.id + n,
      now() - make_interval(secs => (${AUDIT_ROWS} - n) * 31),
      e.event,
      case when e.event in ('second_factor.reset', 'recovery_request.code_generated', 'access_email.sent', 'recovery_request.cancelled')
        then md5('bench-user-' || (1000 * (1 + n % 100)))::uuid
        when e.event = 'delivery.failed' then null else md5('bench-user-' || u)::uuid end,
      case when e.event = 'delivery.failed' then 'system' end,
      md5('bench-user-' || u)::uuid,
      '198.51.100.' || (n % 250), 'unknown',
      case when e.event in ('second_factor.reset', 'recovery_request.code_generated', 'access_email.sent', 'recovery_request.cancelled')
        then 'Identity verified by phone' end,
      jsonb_build_object('bench', n), ${SEED_MARK},
      encode(sha256(convert_to('bench-audit-' || (n - 1), 'UTF8')), 'hex'),
      encode(sha256(convert_to('bench-audit-' || n, 'UTF8')), 'hex')
    from base, generate_series(1, ${AUDIT_ROWS}) as n
    cross join lateral (select 1 + (n::bigint * 104729) % ${USERS} as u) as who
    cross join lateral (select (array[
      'login.succeeded', 'login.succeeded', 'login.succeeded', 'login.succeeded', 'second_factor.succeeded',
      'second_factor.succeeded', 'second_factor.succeeded', 'login.failed', 'second_factor.failed', 'logout',
      'backup_code.used', 'email_otp.sent', 'assistance.submitted', 'assistance.notified', 'recovery_request.code_generated',
      'recovery_code.used', 'recovery_request.completed', 'access_email.sent', 'second_factor.reset', 'recovery_request.cancelled',
      'delivery.failed', 'totp.enrolled'])[1 + (n * 7) % 22] as event) as e`);
}

/** How many rows the tables the dashboard reads hold. */
export async function countSeededRows(db: Executor): Promise<SeededCounts> {
  const [counts] = rowsOf<SeededCounts>(await db.execute(sql`select
    (select count(*) from users) as users, (select count(*) from backup_codes) as backup_codes,
    (select count(*) from sign_in_events) as sign_ins, (select count(*) from assistance_requests) as requests,
    (select count(*) from audit_log) as audit_rows`));
  return counts!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL to a scratch PostgreSQL database');
  const { seconds } = await seedAdminData(databaseUrl);
  const storage = await openStorage({ databaseUrl, dataDir: '' });
  try {
    console.log(`seeded in ${seconds.toFixed(1)} s: ${JSON.stringify(await countSeededRows(storage.db))}`);
  } finally {
    await storage.close();
  }
}
