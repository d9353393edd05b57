import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { userTokens, type TokenPurpose } from '../schema/index.js';

export async function insertUserToken(db: Executor, input: { tokenHash: string; userId: string; purpose: TokenPurpose; now: Date; ttlMs: number }): Promise<void> {
  // A new link voids the earlier unused ones of the same purpose.
  await db.update(userTokens).set({ usedAt: input.now })
    .where(and(eq(userTokens.userId, input.userId), eq(userTokens.purpose, input.purpose), isNull(userTokens.usedAt)));
  await db.insert(userTokens).values({
    tokenHash: input.tokenHash, userId: input.userId, purpose: input.purpose,
    createdAt: input.now, expiresAt: new Date(input.now.getTime() + input.ttlMs),
  });
}

export async function findLiveUserToken(db: Executor, tokenHash: string, now: Date) {
  const [row] = await db.select().from(userTokens)
    .where(and(eq(userTokens.tokenHash, tokenHash), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now))).limit(1);
  return row;
}

/** One atomic statement: of any number of concurrent attempts, exactly one gets the row back. */
export async function consumeUserToken(db: Executor, tokenHash: string, now: Date) {
  const [row] = await db.update(userTokens).set({ usedAt: now })
    .where(and(eq(userTokens.tokenHash, tokenHash), isNull(userTokens.usedAt), gt(userTokens.expiresAt, now)))
    .returning();
  return row;
}

/** Voids every unused link of a user (a disabled account keeps none to come back with). */
export async function voidUserTokens(db: Executor, userId: string, now: Date): Promise<number> {
  const rows = await db.update(userTokens).set({ usedAt: now })
    .where(and(eq(userTokens.userId, userId), isNull(userTokens.usedAt))).returning({ tokenHash: userTokens.tokenHash });
  return rows.length;
}

