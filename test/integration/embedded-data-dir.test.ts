/**
 * Nothing lost across versions (issue 30 item 3). Embedded storage's memory settings
 * (db/embedded-settings.ts) are given on PGlite's command line, not written to the data directory:
 * a directory of the earlier release — made as it made one (PGlite.create in the gateway's own
 * process, PostgreSQL's defaults), migrated as far as that release's migrations went, holding rows
 * written by that schema — opens with today's openStorage, migrates, and keeps every row readable
 * by today's code; and a directory made now opens in PGlite with its defaults, as an earlier
 * version would open it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { countUnusedBackupCodes } from '../../db/queries/backup-codes.js';
import { MIGRATIONS_DIR, openStorage, rowsOf } from '../../db/client.js';
import { EMBEDDED_SETTINGS } from '../../db/embedded-settings.js';
import { GENESIS_HASH, auditChainKey, hashAuditRow } from '../../gateway/audit/chain.js';
import { verifyAuditChain } from '../../gateway/audit/verify.js';
import { hashBackupCode } from '../../gateway/factors/backup-codes.js';
import { totpSealingKey, verifyTotpSignIn } from '../../gateway/factors/totp.js';
import { generateBackupCode } from '../../gateway/security/codes.js';
import { hashPassword, verifyPassword } from '../../gateway/security/password.js';
import { sealSecret } from '../../gateway/security/secret-box.js';
import { generateTotpCode, generateTotpSecret } from '../../gateway/security/totp.js';
import { TEST_SECRET } from '../support/gateway.js';

const SLOW = 180_000;
const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true }); });

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-embedded-'));
  dirs.push(dir);
  return dir;
}

// The earlier release's last migration: the first season ended with the backup-code balances
// (0005); identity, the directory link, assistance after the answer, admin-disabled accounts and
// users' languages (0006–0010) came after it.
const EARLIER_RELEASE_LAST = '0005_backup_code_balances';
const PASSWORD = 'a password from the earlier release';

/** The migrations as they stood at the earlier release: the same files, the journal cut there. */
function earlierMigrations(): string {
  const folder = tempDir();
  fs.cpSync(MIGRATIONS_DIR, folder, { recursive: true });
  const journalPath = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === EARLIER_RELEASE_LAST) + 1);
  expect(journal.entries.at(-1)?.tag).toBe(EARLIER_RELEASE_LAST);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

interface EarlierRows { userId: string; totpSecret: string; backupCodes: string[]; auditHash: string }

/**
 * Rows as the earlier release wrote them, in SQL of its schema (no column it did not have): a user
 * with an argon2id password hash, a confirmed TOTP factor with its secret sealed under the server
 * secret, a set of backup codes, and the first row of the audit chain.
 */
async function writeEarlierRows(db: PGlite, at: Date): Promise<EarlierRows> {
  const userId = randomUUID();
  const factorId = randomUUID();
  const setId = randomUUID();
  const totpSecret = generateTotpSecret();
  const backupCodes = Array.from({ length: 3 }, () => generateBackupCode());
  await db.query(`insert into users (id, email, name, role, type, password_hash, created_at, updated_at) values ($1, $2, $3, 'admin', 'user', $4, $5, $5)`,
    [userId, 'kept@example.com', 'Kept', await hashPassword(PASSWORD), at.toISOString()]);
  await db.query(`insert into totp_factors (id, user_id, secret_sealed, created_at, confirmed_at) values ($1, $2, $3, $4, $4)`,
    [factorId, userId, sealSecret(totpSealingKey(TEST_SECRET), totpSecret, factorId), at.toISOString()]);
  for (const code of backupCodes) {
    await db.query(`insert into backup_codes (id, user_id, set_id, code_hash, created_at) values ($1, $2, $3, $4, $5)`,
      [randomUUID(), userId, setId, hashBackupCode(TEST_SECRET, userId, code), at.toISOString()]);
  }
  const audit = { id: 1, at, event: 'totp.enrolled', actorId: userId, actorLabel: null, userId, ip: '192.0.2.10', location: null, reason: null, details: { factor: factorId }, requestId: 'earlier-release', prevHash: GENESIS_HASH };
  const auditHash = hashAuditRow(auditChainKey(TEST_SECRET), audit);
  await db.query(`insert into audit_log (id, at, event, actor_id, actor_label, user_id, ip, location, reason, details, request_id, prev_hash, hash) values ($1, $2, $3, $4, null, $5, $6, null, null, $7, $8, $9, $10)`,
    [audit.id, at.toISOString(), audit.event, userId, userId, audit.ip, JSON.stringify(audit.details), audit.requestId, audit.prevHash, auditHash]);
  return { userId, totpSecret, backupCodes, auditHash };
}

const setting = async (query: (text: string) => Promise<{ rows: unknown[] }>, name: string) =>
  ((await query(`select current_setting('${name}') as value`)).rows[0] as { value: string }).value;

describe('embedded data directories across versions', () => {
  it(`opens the earlier release's directory (migrated to ${EARLIER_RELEASE_LAST}, with its rows), migrates it and keeps every row, with the small settings`, async () => {
    const dataDir = tempDir();
    const at = new Date('2026-12-02T10:00:00Z');
    // What the earlier release did: PGlite.create in the gateway's process, PostgreSQL's defaults,
    // and its own migrations.
    const old = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions: { pg_trgm } });
    let earlier: EarlierRows;
    try {
      expect(await setting((q) => old.query(q), 'shared_buffers')).toBe('128MB');
      await migrate(drizzle({ client: old }), { migrationsFolder: earlierMigrations() });
      expect((await old.query(`select to_regclass('signing_keys') as t`)).rows).toEqual([{ t: null }]);
      earlier = await writeEarlierRows(old, at);
    } finally {
      await old.close();
    }
    const conf = fs.readFileSync(path.join(dataDir, 'pgdata/postgresql.conf'), 'utf8');

    const storage = await openStorage({ databaseUrl: '', dataDir });
    try {
      await storage.migrate();
      const { db } = storage;
      expect(rowsOf<{ value: string }>(await db.execute(sql`select current_setting('shared_buffers') as value`))).toEqual([{ value: EMBEDDED_SETTINGS.shared_buffers }]);
      expect(rowsOf<{ value: string }>(await db.execute(sql`select current_setting('maintenance_work_mem') as value`))).toEqual([{ value: EMBEDDED_SETTINGS.maintenance_work_mem }]);

      // Every migration since has run, and its tables and columns are there.
      const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
      expect(rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))).toEqual([{ n: journal.entries.length }]);
      expect(rowsOf(await db.execute(sql`select to_regclass('user_groups') is not null as groups, to_regclass('signing_keys') is not null as keys`))).toEqual([{ groups: true, keys: true }]);

      // The rows, as today's code reads them: the user (new columns at their defaults), the
      // password, the TOTP secret, the backup codes and the audit chain.
      const [user] = rowsOf<{ email: string; role: string; password_hash: string; disabled_by_admin: boolean; directory_id: string | null; language: string | null }>(
        await db.execute(sql`select email, role, password_hash, disabled_by_admin, directory_id, language from users where id = ${earlier.userId}`));
      expect(user).toMatchObject({ email: 'kept@example.com', role: 'admin', disabled_by_admin: false, directory_id: null, language: null });
      expect(await verifyPassword(user!.password_hash, PASSWORD)).toBe(true);
      const nowMs = Date.now();
      const totp = await verifyTotpSignIn(db, totpSealingKey(TEST_SECRET), { userId: earlier.userId, code: generateTotpCode(earlier.totpSecret, nowMs), nowMs });
      expect(totp.ok).toBe(true);
      expect(await countUnusedBackupCodes(db, earlier.userId)).toBe(3);
      const hashes = rowsOf<{ code_hash: string }>(await db.execute(sql`select code_hash from backup_codes where user_id = ${earlier.userId}`)).map((row) => row.code_hash).sort();
      expect(hashes).toEqual(earlier.backupCodes.map((code) => hashBackupCode(TEST_SECRET, earlier.userId, code)).sort());
      expect(rowsOf(await db.execute(sql`select codes_left from backup_code_balances where user_id = ${earlier.userId}`))).toEqual([{ codes_left: 3 }]);
      expect(await verifyAuditChain(db, TEST_SECRET)).toEqual({ ok: true, rows: 1, head: { id: 1, hash: earlier.auditHash } });
    } finally {
      await storage.close();
    }
    // Nothing was written into the directory's own configuration.
    expect(fs.readFileSync(path.join(dataDir, 'pgdata/postgresql.conf'), 'utf8')).toBe(conf);
  }, SLOW);

  it('makes a new directory that PGlite opens with its defaults, as an earlier version would', async () => {
    const dataDir = tempDir();
    const storage = await openStorage({ databaseUrl: '', dataDir, embeddedSharedBuffers: '4MB' });
    try {
      await storage.migrate();
      expect(rowsOf<{ value: string }>(await storage.db.execute(sql`select current_setting('shared_buffers') as value`))).toEqual([{ value: '4MB' }]);
      await storage.db.execute(sql`insert into users (id, email, name, created_at, updated_at) values (gen_random_uuid(), 'new@example.com', 'New', now(), now())`);
    } finally {
      await storage.close();
    }
    const earlier = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions: { pg_trgm } });
    try {
      expect(await setting((q) => earlier.query(q), 'shared_buffers')).toBe('128MB');
      expect((await earlier.query('select email from users')).rows).toEqual([{ email: 'new@example.com' }]);
    } finally {
      await earlier.close();
    }
  }, SLOW);
});
