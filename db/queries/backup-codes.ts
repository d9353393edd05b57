/** Backup-code rows: sets, the one-time display of a new set, single-use consumption, statistics. */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Executor } from '../client.js';
import { backupCodeDisplays, backupCodes, users, type Role, type UserType } from '../schema/index.js';

/** Locks the user row so that two regenerations for one user cannot both leave a live set. */
export async function lockUserForBackupCodes(tx: Executor, userId: string): Promise<{ role: Role; type: UserType; active: boolean } | undefined> {
  const [user] = await tx.select({ role: users.role, type: users.type, active: users.active }).from(users)
    .where(eq(users.id, userId)).for('update');
  return user;
}

/** Voids every unused code of the user (the old set); used codes keep their history. */
export async function voidUnusedBackupCodes(tx: Executor, userId: string, now: Date): Promise<number> {
  const voided = await tx.update(backupCodes).set({ voidedAt: now })
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt)))
    .returning({ id: backupCodes.id });
  return voided.length;
}

export async function insertBackupCodeSet(tx: Executor, input: { userId: string; setId: string; codeHashes: readonly string[]; now: Date }): Promise<void> {
  await tx.insert(backupCodes).values(input.codeHashes.map((codeHash) => ({
    id: randomUUID(), userId: input.userId, setId: input.setId, codeHash, createdAt: input.now,
  })));
}

/** Replaces any display still waiting for the user (its codes were just voided) with the new set's. */
export async function replaceBackupCodeDisplay(tx: Executor, input: { userId: string; setId: string; sealedCodes: string; now: Date; expiresAt: Date }): Promise<void> {
  await tx.delete(backupCodeDisplays).where(eq(backupCodeDisplays.userId, input.userId));
  await tx.insert(backupCodeDisplays).values({
    setId: input.setId, userId: input.userId, sealedCodes: input.sealedCodes, createdAt: input.now, expiresAt: input.expiresAt,
  });
}

/**
 * Takes the user's waiting display (SECURITY B4): one conditional UPDATE claims it, so of two
 * requests racing for it only one gets the codes, and the sealed blob is blanked in the same
 * transaction so the plaintext set does not outlive its one showing.
 */
export async function takeBackupCodeDisplay(tx: Executor, userId: string, now: Date): Promise<{ setId: string; sealedCodes: string } | undefined> {
  const claimed = await tx.update(backupCodeDisplays).set({ shownAt: now })
    .where(and(eq(backupCodeDisplays.userId, userId), isNull(backupCodeDisplays.shownAt), gt(backupCodeDisplays.expiresAt, now)))
    .returning({ setId: backupCodeDisplays.setId, sealedCodes: backupCodeDisplays.sealedCodes, createdAt: backupCodeDisplays.createdAt });
  if (claimed.length === 0) return undefined;
  await tx.update(backupCodeDisplays).set({ sealedCodes: '' })
    .where(inArray(backupCodeDisplays.setId, claimed.map((row) => row.setId)));
  // replaceBackupCodeDisplay keeps one waiting display per user; should two ever race, the newest wins.
  const [latest] = claimed.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return latest && latest.sealedCodes !== '' ? { setId: latest.setId, sealedCodes: latest.sealedCodes } : undefined;
}

/**
 * Spends one code with a single conditional UPDATE (SECURITY B3): of concurrent submissions of the
 * same code, the database lets exactly one set `used_at`; the rest find no row.
 */
export async function consumeBackupCode(tx: Executor, input: { userId: string; codeHash: string; now: Date; ip: string | null }): Promise<{ id: string; setId: string } | undefined> {
  const [spent] = await tx.update(backupCodes).set({ usedAt: input.now, usedIp: input.ip })
    .where(and(
      eq(backupCodes.userId, input.userId), eq(backupCodes.codeHash, input.codeHash),
      isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt),
    ))
    .returning({ id: backupCodes.id, setId: backupCodes.setId });
  return spent;
}

/** Unused codes of the live set; answered from the partial index backup_codes_unused_idx. */
export async function countUnusedBackupCodes(db: Executor, userId: string): Promise<number> {
  const [row] = await db.select({ left: sql<number>`count(*)`.mapWith(Number) }).from(backupCodes)
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt)));
  return row?.left ?? 0;
}

export interface BackupCodeStats {
  usersWithCodes: number;
  lowOnCodes: number;
  usedToday: number;
  usedThisMonth: number;
}

export interface StatsWindow {
  lowThreshold: number;
  today: { start: Date; end: Date };
  month: { start: Date; end: Date };
}

/**
 * The four headline numbers in one statement. Both holder counts come from one pass over
 * backup_code_balances (one small row per user, kept by triggers), the usage counts from range
 * scans on backup_codes_used_at_idx, so none of them groups the codes themselves.
 */
export function backupCodeStatsQuery(window: StatsWindow): SQL {
  return sql`
    select holders.users_with_codes, holders.low_on_codes,
      (select count(*) from backup_codes where used_at >= ${window.today.start.toISOString()}::timestamptz
        and used_at < ${window.today.end.toISOString()}::timestamptz) as used_today,
      (select count(*) from backup_codes where used_at >= ${window.month.start.toISOString()}::timestamptz
        and used_at < ${window.month.end.toISOString()}::timestamptz) as used_this_month
    from (
      select count(*) as users_with_codes, count(*) filter (where codes_left <= ${window.lowThreshold}) as low_on_codes
      from backup_code_balances where codes_left > 0
    ) as holders`;
}

export async function backupCodeStats(db: Executor, window: StatsWindow): Promise<BackupCodeStats> {
  const result = await db.execute(backupCodeStatsQuery(window));
  const [row] = rowsOf<Record<string, string | number>>(result);
  return {
    usersWithCodes: Number(row?.users_with_codes ?? 0),
    lowOnCodes: Number(row?.low_on_codes ?? 0),
    usedToday: Number(row?.used_today ?? 0),
    usedThisMonth: Number(row?.used_this_month ?? 0),
  };
}

export interface BackupCodeHolder {
  userId: string;
  name: string;
  email: string;
  role: Role;
  type: UserType;
  codesLeft: number;
  lastUsedAt: Date | null;
}

/**
 * One page of the users holding codes, fewest codes first (those about to run out matter most),
 * read in order from backup_code_balances' partial index on (codes_left, user_id), so a page
 * costs the same however many users hold codes.
 */
export async function listBackupCodeHolders(db: Executor, page: { limit: number; offset: number }): Promise<BackupCodeHolder[]> {
  const result = await db.execute(sql`
    select u.id, u.name, u.email, u.role, u.type, b.codes_left, b.last_used_at
    from backup_code_balances b join users u on u.id = b.user_id
    where b.codes_left > 0
    order by b.codes_left, b.user_id
    limit ${page.limit} offset ${page.offset}
  `);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    userId: String(row.id),
    name: String(row.name ?? ''),
    email: String(row.email),
    role: row.role as Role,
    type: row.type as UserType,
    codesLeft: Number(row.codes_left),
    lastUsedAt: row.last_used_at == null ? null : new Date(row.last_used_at as string | Date),
  }));
}
