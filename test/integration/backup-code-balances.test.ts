/**
 * backup_code_balances (migration 0005) is what the dashboard's backup-code statistics and holder
 * list read: one row per user, kept by statement triggers on backup_codes. These tests hold it to
 * the ground truth (grouping backup_codes itself) after every kind of write, in rolled-back and
 * concurrent transactions, and across the migration that creates it on a database that already
 * holds codes. Runs on PGlite and, with DATABASE_URL, on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, rowsOf, type Executor } from '../../db/client.js';
import {
  consumeBackupCode, insertBackupCodeSet, listBackupCodeHolders, voidUnusedBackupCodes,
} from '../../db/queries/backup-codes.js';
import { backupCodes } from '../../db/schema/index.js';
import { openEmptyTestStorage, openTestStorage } from '../support/storage.js';

type Balances = Record<string, { codesLeft: number; lastUsedAt: string | null }>;

async function readBalances(db: Executor): Promise<Balances> {
  const rows = rowsOf<{ user_id: string; codes_left: number; last_used_at: string | Date | null }>(
    await db.execute(sql`select user_id, codes_left, last_used_at from backup_code_balances`));
  return Object.fromEntries(rows.map((row) => [row.user_id, { codesLeft: Number(row.codes_left), lastUsedAt: iso(row.last_used_at) }]));
}

/** What the balances must say: backup_codes grouped by user, as the dashboard computed it before 0005. */
async function groundTruth(db: Executor): Promise<Balances> {
  const rows = rowsOf<{ user_id: string; codes_left: number; last_used_at: string | Date | null }>(await db.execute(sql`
    select user_id, count(*) filter (where used_at is null and voided_at is null) as codes_left, max(used_at) as last_used_at
    from backup_codes group by user_id`));
  return Object.fromEntries(rows.map((row) => [row.user_id, { codesLeft: Number(row.codes_left), lastUsedAt: iso(row.last_used_at) }]));
}

function iso(value: string | Date | null): string | null {
  return value == null ? null : new Date(value).toISOString();
}

async function addUser(db: Executor, email: string): Promise<string> {
  const id = randomUUID();
  await db.execute(sql`insert into users (id, email, created_at, updated_at) values (${id}, ${email}, now(), now())`);
  return id;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing sequence can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backup_code_balances', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  beforeAll(async () => {
    storage = await openTestStorage();
  }, 60_000);
  afterAll(async () => storage?.close());

  it('follows a new set, a use, a void and a regeneration through the gateway\'s own queries', async () => {
    const { db } = storage;
    const user = await addUser(db, 'paths@balances.invalid');
    const hashes = Array.from({ length: 10 }, (_, i) => `paths-${i}`);
    await insertBackupCodeSet(db, { userId: user, setId: randomUUID(), codeHashes: hashes, now: new Date('2026-12-01T10:00:00Z') });
    expect((await readBalances(db))[user]).toEqual({ codesLeft: 10, lastUsedAt: null });

    const usedAt = new Date('2026-12-01T11:00:00Z');
    expect(await consumeBackupCode(db, { userId: user, codeHash: 'paths-3', now: usedAt, ip: '192.0.2.1' })).toBeDefined();
    expect(await consumeBackupCode(db, { userId: user, codeHash: 'paths-3', now: usedAt, ip: '192.0.2.1' })).toBeUndefined();
    expect((await readBalances(db))[user]).toEqual({ codesLeft: 9, lastUsedAt: usedAt.toISOString() });

    await db.transaction(async (tx) => {
      expect(await voidUnusedBackupCodes(tx, user, new Date('2026-12-01T12:00:00Z'))).toBe(9);
      await insertBackupCodeSet(tx, { userId: user, setId: randomUUID(), codeHashes: ['new-1', 'new-2'], now: new Date('2026-12-01T12:00:00Z') });
    });
    // The last use survives the old set being voided.
    expect((await readBalances(db))[user]).toEqual({ codesLeft: 2, lastUsedAt: usedAt.toISOString() });
    expect(await readBalances(db)).toEqual(await groundTruth(db));

    const [holder] = (await listBackupCodeHolders(db, { limit: 50, offset: 0 })).filter((row) => row.userId === user);
    expect(holder).toMatchObject({ email: 'paths@balances.invalid', codesLeft: 2, lastUsedAt: usedAt });
  });

  it('is untouched by a transaction that rolls back', async () => {
    const { db } = storage;
    const user = await addUser(db, 'rollback@balances.invalid');
    await insertBackupCodeSet(db, { userId: user, setId: randomUUID(), codeHashes: ['r1', 'r2', 'r3'], now: new Date() });
    const before = await readBalances(db);
    await expect(db.transaction(async (tx) => {
      await consumeBackupCode(tx, { userId: user, codeHash: 'r1', now: new Date(), ip: null });
      await insertBackupCodeSet(tx, { userId: user, setId: randomUUID(), codeHashes: ['r4'], now: new Date() });
      expect((await readBalances(tx))[user]?.codesLeft).toBe(3);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await readBalances(db)).toEqual(before);
    expect(before[user]?.codesLeft).toBe(3);
  });

  it('agrees with backup_codes after 300 random writes of every kind, including deleted users', async () => {
    const { db } = storage;
    const random = seededRandom(20261202);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
    const users: string[] = [];
    for (let i = 0; i < 4; i++) users.push(await addUser(db, `random-${i}@balances.invalid`));
    let clock = Date.parse('2026-11-01T00:00:00Z');
    const tick = () => new Date((clock += 60_000 + Math.floor(random() * 3_600_000)));
    const unusedOf = async (user: string) => rowsOf<{ code_hash: string }>(await db.execute(sql`
      select code_hash from backup_codes where user_id = ${user} and used_at is null and voided_at is null`)).map((row) => row.code_hash);

    for (let step = 0; step < 300; step++) {
      const user = pick(users)!;
      const operation = Math.floor(random() * 8);
      if (operation === 0) {
        // A mixed batch as an import or a test would write it: some rows already used or voided.
        await db.insert(backupCodes).values(Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
          const roll = random();
          return {
            id: randomUUID(), userId: user, setId: randomUUID(), codeHash: `h-${step}-${randomUUID()}`, createdAt: tick(),
            usedAt: roll < 0.2 ? tick() : null, voidedAt: roll >= 0.2 && roll < 0.35 ? tick() : null,
          };
        }));
      } else if (operation === 1) {
        await insertBackupCodeSet(db, { userId: user, setId: randomUUID(), codeHashes: [`s-${step}-a`, `s-${step}-b`, `s-${step}-c`], now: tick() });
      } else if (operation === 2 || operation === 3) {
        const code = pick(await unusedOf(user));
        if (code) await consumeBackupCode(db, { userId: user, codeHash: code, now: tick(), ip: '198.51.100.7' });
      } else if (operation === 4) {
        await voidUnusedBackupCodes(db, user, tick());
      } else if (operation === 5) {
        // Updates that change no balance: another column, and a used code's time moved.
        await db.update(backupCodes).set({ usedIp: '203.0.113.9' }).where(eq(backupCodes.userId, user));
        await db.update(backupCodes).set({ usedAt: tick() }).where(and(eq(backupCodes.userId, user), isNotNull(backupCodes.usedAt)));
      } else if (operation === 6) {
        // A statement touching several users at once.
        await db.execute(sql`update backup_codes set voided_at = ${tick().toISOString()}::timestamptz
          where used_at is null and voided_at is null and code_hash like ${`s-%-b`}`);
      } else if (random() < 0.5) {
        await db.execute(sql`delete from users where id = ${user}`);
        users[users.indexOf(user)] = await addUser(db, `random-${step}@balances.invalid`);
      } else {
        await db.execute(sql`delete from backup_codes where user_id = ${user} and voided_at is not null`);
      }
      const [balances, truth] = [await readBalances(db), await groundTruth(db)];
      expect(balances, `after step ${step} (operation ${operation})`).toEqual(truth);
    }
  }, 120_000);

  it('stays exact when one user\'s codes are spent and regenerated in concurrent transactions', async () => {
    const { db } = storage;
    const user = await addUser(db, 'concurrent@balances.invalid');
    const hashes = Array.from({ length: 10 }, (_, i) => `c-${i}`);
    await insertBackupCodeSet(db, { userId: user, setId: randomUUID(), codeHashes: hashes, now: new Date() });
    const spends = hashes.flatMap((codeHash) => [codeHash, codeHash]).map((codeHash) =>
      db.transaction((tx) => consumeBackupCode(tx, { userId: user, codeHash, now: new Date(), ip: null })));
    const regenerations = [0, 1].map((n) => db.transaction(async (tx) => {
      await tx.execute(sql`select id from users where id = ${user} for update`);
      await voidUnusedBackupCodes(tx, user, new Date());
      await insertBackupCodeSet(tx, { userId: user, setId: randomUUID(), codeHashes: [`regen-${n}-1`, `regen-${n}-2`], now: new Date() });
    }));
    const spent = (await Promise.all(spends)).filter(Boolean).length;
    await Promise.all(regenerations);
    expect(spent).toBeLessThanOrEqual(10);
    const balances = await readBalances(db);
    expect(balances[user]).toEqual((await groundTruth(db))[user]);
    expect(balances[user]?.codesLeft).toBe(2); // the last regeneration's set
  });
});

describe('migration 0005 on a database that already holds codes', () => {
  let storage: Awaited<ReturnType<typeof openEmptyTestStorage>>;
  let before0005: string;
  beforeAll(async () => {
    storage = await openEmptyTestStorage();
    // The migrations as they stood before 0005: the same files, the journal cut there.
    before0005 = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-0004-'));
    fs.cpSync(MIGRATIONS_DIR, before0005, { recursive: true });
    const journalPath = path.join(before0005, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
    journal.entries = journal.entries.filter((entry) => entry.idx < 5);
    expect(journal.entries.at(-1)?.tag).toBe('0004_user_search');
    fs.writeFileSync(journalPath, JSON.stringify(journal));
  }, 60_000);
  afterAll(async () => {
    await storage?.close();
    if (before0005) fs.rmSync(before0005, { recursive: true, force: true });
  });

  it('fills the balances from the codes already there', async () => {
    const { db } = storage;
    await storage.migrate(before0005);
    const alice = await addUser(db, 'alice@balances.invalid');
    const bob = await addUser(db, 'bob@balances.invalid');
    const carol = await addUser(db, 'carol@balances.invalid');
    const code = (userId: string, state: 'unused' | 'used' | 'voided', usedAt?: string) => ({
      id: randomUUID(), userId, setId: randomUUID(), codeHash: randomUUID(), createdAt: new Date('2026-11-01T00:00:00Z'),
      usedAt: state === 'used' ? new Date(usedAt ?? '2026-11-02T00:00:00Z') : null,
      voidedAt: state === 'voided' ? new Date('2026-11-03T00:00:00Z') : null,
    });
    await db.insert(backupCodes).values([
      code(alice, 'unused'), code(alice, 'unused'), code(alice, 'used', '2026-11-05T08:00:00Z'), code(alice, 'used', '2026-11-04T08:00:00Z'),
      code(bob, 'voided'), code(bob, 'used', '2026-11-06T09:30:00Z'),
    ]);
    await storage.migrate();
    expect(await readBalances(db)).toEqual({
      [alice]: { codesLeft: 2, lastUsedAt: '2026-11-05T08:00:00.000Z' },
      [bob]: { codesLeft: 0, lastUsedAt: '2026-11-06T09:30:00.000Z' },
    });
    // And the triggers count from there.
    await insertBackupCodeSet(db, { userId: carol, setId: randomUUID(), codeHashes: ['x'], now: new Date() });
    await voidUnusedBackupCodes(db, alice, new Date());
    expect(await readBalances(db)).toEqual(await groundTruth(db));
    expect((await readBalances(db))[carol]?.codesLeft).toBe(1);
  }, 60_000);
});
