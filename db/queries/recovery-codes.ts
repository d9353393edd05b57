/** Admin-issued recovery codes (SECURITY R1): stored as a keyed hash, bound to one user, spent once. */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { recoveryCodes } from '../schema/index.js';

export interface NewRecoveryCode {
  id: string;
  userId: string;
  requestId: string | null;
  codeHash: string;
  issuedBy: string | null;
  now: Date;
  expiresAt: Date;
}

export async function insertRecoveryCode(tx: Executor, input: NewRecoveryCode): Promise<void> {
  await tx.insert(recoveryCodes).values({
    id: input.id, userId: input.userId, requestId: input.requestId, codeHash: input.codeHash,
    issuedBy: input.issuedBy, createdAt: input.now, expiresAt: input.expiresAt,
  });
}

/** Voids the user's codes still unused (a new code replaces them); returns how many. */
export async function voidLiveRecoveryCodes(tx: Executor, userId: string, now: Date): Promise<number> {
  const rows = await tx.update(recoveryCodes).set({ voidedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt), isNull(recoveryCodes.voidedAt)))
    .returning({ id: recoveryCodes.id });
  return rows.length;
}

/** Voids the unused codes issued for one request (the request was cancelled). */
export async function voidRequestRecoveryCodes(tx: Executor, requestId: string, now: Date): Promise<number> {
  const rows = await tx.update(recoveryCodes).set({ voidedAt: now })
    .where(and(eq(recoveryCodes.requestId, requestId), isNull(recoveryCodes.usedAt), isNull(recoveryCodes.voidedAt)))
    .returning({ id: recoveryCodes.id });
  return rows.length;
}

/**
 * Spends a code with one conditional UPDATE (SECURITY R1, F2): of concurrent submissions the
 * database lets exactly one set `used_at`; an expired, voided or another user's code matches no row.
 */
export async function consumeRecoveryCode(tx: Executor, input: { userId: string; codeHash: string; now: Date }): Promise<{ id: string; requestId: string | null } | undefined> {
  const [spent] = await tx.update(recoveryCodes).set({ usedAt: input.now })
    .where(and(
      eq(recoveryCodes.userId, input.userId), eq(recoveryCodes.codeHash, input.codeHash),
      isNull(recoveryCodes.usedAt), isNull(recoveryCodes.voidedAt), gt(recoveryCodes.expiresAt, input.now),
    ))
    .returning({ id: recoveryCodes.id, requestId: recoveryCodes.requestId });
  return spent;
}
