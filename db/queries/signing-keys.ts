import { and, desc, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { signingKeys, type SigningKeyRow } from '../schema/index.js';

// One writer of the key set at a time, across instances (first start, rotation).
const SIGNING_KEYS_LOCK = 727_002;

export async function lockSigningKeys(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${SIGNING_KEYS_LOCK})`);
}

/** Keys in the published set at `now`: created, and not yet past `published_until`. Newest first. */
export function publishedSigningKeys(db: Executor, now: Date): Promise<SigningKeyRow[]> {
  return db.select().from(signingKeys)
    .where(and(lte(signingKeys.createdAt, now), or(isNull(signingKeys.publishedUntil), gt(signingKeys.publishedUntil, now))))
    .orderBy(desc(signingKeys.signsFrom));
}

/** Keys that sign at `now`: their `signs_from` has come and their `retired_at` has not. */
export function signingKeysAt(db: Executor, now: Date): Promise<SigningKeyRow[]> {
  return db.select().from(signingKeys)
    .where(and(lte(signingKeys.signsFrom, now), or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, now))))
    .orderBy(desc(signingKeys.signsFrom));
}

export async function insertSigningKey(tx: Executor, row: SigningKeyRow): Promise<void> {
  await tx.insert(signingKeys).values(row);
}

/** Retires at `at` every key that would sign after it, published until `publishedUntil`; returns their kids. */
export async function retireSigningKeys(tx: Executor, at: Date, publishedUntil: Date): Promise<string[]> {
  const rows = await tx.update(signingKeys).set({ retiredAt: at, publishedUntil })
    .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, at))).returning({ kid: signingKeys.kid });
  return rows.map((row) => row.kid);
}
