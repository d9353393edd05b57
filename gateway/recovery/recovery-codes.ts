/**
 * Admin-issued recovery codes (SECURITY R1, R3): 12 symbols of the unambiguous alphabet (60 bits),
 * shown to the user as `XXXX-XXXX-XXXX`, stored only as an HMAC bound to the user, valid for the
 * policy's `recovery.recovery_code.ttl` (1 h by default) and spent by one conditional UPDATE.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import { consumeRecoveryCode, insertRecoveryCode, voidLiveRecoveryCodes } from '../../db/queries/recovery-codes.js';
import { formatGroupedCode, generateRecoveryCode, normaliseCodeInput, RECOVERY_CODE_LENGTH } from '../security/codes.js';
import { deriveKey, hmacSha256 } from '../security/hash.js';

export interface IssuedRecoveryCode {
  id: string;
  /** `XXXX-XXXX-XXXX`, for the message to the user only: never logged, never stored. */
  code: string;
  expiresAt: Date;
  /** Older unused codes of the user, voided by this one. */
  voided: number;
}

export type RedeemRecoveryOutcome =
  | { ok: true; codeId: string; requestId: string | null }
  | { ok: false; reason: 'malformed' | 'invalid' };

/** HMAC over the user id and the code: a dump tests no guesses and a row cannot move to another user. */
export function hashRecoveryCode(serverSecret: string, userId: string, normalisedCode: string): string {
  return hmacSha256(deriveKey(serverSecret, 'recovery-code'), `${userId}:${normalisedCode}`);
}

/** Issues a code for a user in the caller's transaction; any older unused code of theirs is voided. */
export async function issueRecoveryCode(
  tx: Executor,
  input: { serverSecret: string; userId: string; requestId: string | null; issuedBy: string | null; now: Date; ttlMs: number },
): Promise<IssuedRecoveryCode> {
  const raw = generateRecoveryCode();
  const voided = await voidLiveRecoveryCodes(tx, input.userId, input.now);
  const id = randomUUID();
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  await insertRecoveryCode(tx, {
    id, userId: input.userId, requestId: input.requestId, issuedBy: input.issuedBy, now: input.now, expiresAt,
    codeHash: hashRecoveryCode(input.serverSecret, input.userId, raw),
  });
  return { id, code: formatGroupedCode(raw), expiresAt, voided };
}

/** Spends what the user typed (dashes, spaces and case ignored) if it is their live code. */
export async function redeemRecoveryCode(
  tx: Executor,
  input: { serverSecret: string; userId: string; typed: string; now: Date },
): Promise<RedeemRecoveryOutcome> {
  const code = normaliseCodeInput(input.typed);
  if (!code || code.length !== RECOVERY_CODE_LENGTH) return { ok: false, reason: 'malformed' };
  const spent = await consumeRecoveryCode(tx, { userId: input.userId, codeHash: hashRecoveryCode(input.serverSecret, input.userId, code), now: input.now });
  return spent ? { ok: true, codeId: spent.id, requestId: spent.requestId } : { ok: false, reason: 'invalid' };
}
