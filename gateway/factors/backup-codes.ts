/**
 * Backup codes (SECURITY B1–B5): a set of single-use look-up secrets, stored only as an HMAC bound
 * to the user, shown once from a sealed copy that the first showing destroys, and spent by one
 * conditional UPDATE inside the transaction that steps the session up.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import {
  backupCodeStats,
  consumeBackupCode,
  countUnusedBackupCodes,
  insertBackupCodeSet,
  lockUserForBackupCodes,
  replaceBackupCodeDisplay,
  takeBackupCodeDisplay,
  voidUnusedBackupCodes,
  type BackupCodeStats,
} from '../../db/queries/backup-codes.js';
import { writeAudit, type AuditEntry } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import { localDay, localMonth } from '../core/time-zone.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { backupCodeUsedEmail } from '../delivery/templates/index.js';
import { factorAllowed } from '../policy/engine.js';
import type { Policy } from '../policy/schema.js';
import { formatGroupedCode, generateBackupCode, normaliseCodeInput } from '../security/codes.js';
import { deriveKey, hmacSha256 } from '../security/hash.js';
import { openSecret, sealSecret } from '../security/secret-box.js';

export { countUnusedBackupCodes };

/** Long enough to read, print or download the set; short enough that a forgotten tab does not keep it. */
export const BACKUP_CODE_DISPLAY_TTL_MS = 15 * 60_000;
export { FRESH_SECOND_FACTOR_MS, hasFreshSecondFactor } from '../session/freshness.js';

/** What the backup-code functions need; RouteDeps satisfies it. */
export interface BackupCodeDeps {
  config: { session: { secret: string } };
  clock: Clock;
  policies: { current(): { policy: Policy } };
}

export interface CodeHolder {
  id: string;
  role: string;
  type: string;
}

export type GenerateOutcome = { ok: true; setId: string; count: number } | { ok: false; reason: 'no_user' | 'not_allowed' };
export type RevealOutcome = { ok: true; setId: string; codes: string[] } | { ok: false; reason: 'nothing_waiting' | 'unreadable' };
export type RedeemOutcome = { ok: true; codeId: string; codesLeft: number } | { ok: false; reason: 'not_allowed' | 'malformed' | 'invalid' };

/** Whether the policy lets this user hold and use backup codes (master switch and `roles`). */
export function backupCodesAllowed(policy: Policy, user: { role: string; type: string }): boolean {
  return factorAllowed(policy, 'backup_codes', user.role, user.type);
}

/** Whether `codesLeft` is low enough to warn about (`factors.backup_codes.low_threshold`). */
export function isLowOnBackupCodes(codesLeft: number, policy: Policy): boolean {
  return codesLeft <= policy.factors.backup_codes.low_threshold;
}


/**
 * The stored form of a code (SECURITY B2): HMAC under a key derived from the server secret, over
 * the user id and the code, so a dump alone tests no guesses and a row cannot be moved to another user.
 */
export function hashBackupCode(serverSecret: string, userId: string, normalisedCode: string): string {
  return hmacSha256(deriveKey(serverSecret, 'backup-code'), `${userId}:${normalisedCode}`);
}

/**
 * Generates a new set for a user and voids the old one, in the caller's transaction: the first
 * second-factor enrolment calls it, and so does "Regenerate" on the account page. The plaintext
 * waits sealed for one showing on `P/backup-codes`.
 */
export async function generateBackupCodeSet(
  tx: Executor,
  deps: BackupCodeDeps,
  userId: string,
  actor: AuditEntry['actor'],
  ip: string | null,
  requestId?: string | null,
): Promise<GenerateOutcome> {
  const { policy } = deps.policies.current();
  const user = await lockUserForBackupCodes(tx, userId);
  if (!user || !user.active) return { ok: false, reason: 'no_user' };
  if (!backupCodesAllowed(policy, user)) return { ok: false, reason: 'not_allowed' };
  const { count, length } = policy.factors.backup_codes;
  const now = deps.clock.now();
  const secret = deps.config.session.secret;
  const setId = randomUUID();
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateBackupCode(length));
  const plain = [...codes];

  const voided = await voidUnusedBackupCodes(tx, userId, now);
  await insertBackupCodeSet(tx, { userId, setId, now, codeHashes: plain.map((code) => hashBackupCode(secret, userId, code)) });
  await replaceBackupCodeDisplay(tx, {
    userId, setId, now, expiresAt: new Date(now.getTime() + BACKUP_CODE_DISPLAY_TTL_MS),
    sealedCodes: sealSecret(deriveKey(secret, 'backup-code-display'), JSON.stringify(plain), setId),
  });
  await writeAudit(tx, deps.config.session.secret, {
    event: 'backup_codes.generated', at: now, actor, userId, ip, requestId: requestId ?? null,
    details: { count, set_id: setId, voided },
  });
  return { ok: true, setId, count };
}

/** The freshly generated set, formatted `XXXX-XXXX`, exactly once; later calls find nothing. */
export async function revealBackupCodes(tx: Executor, deps: BackupCodeDeps, userId: string): Promise<RevealOutcome> {
  const display = await takeBackupCodeDisplay(tx, userId, deps.clock.now());
  if (!display) return { ok: false, reason: 'nothing_waiting' };
  const opened = openSecret(deriveKey(deps.config.session.secret, 'backup-code-display'), display.sealedCodes, display.setId);
  if (opened === undefined) return { ok: false, reason: 'unreadable' };
  const codes: unknown = JSON.parse(opened);
  if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'string')) return { ok: false, reason: 'unreadable' };
  return { ok: true, setId: display.setId, codes: codes.map(formatGroupedCode) };
}

/**
 * Spends the code the user typed (dashes, spaces, case and Crockford look-alikes ignored). Run it
 * inside the transaction that steps the session up and writes the audit row (SECURITY F2).
 */
export async function redeemBackupCode(
  tx: Executor,
  deps: BackupCodeDeps,
  input: { user: CodeHolder; typed: string; ip: string | null },
): Promise<RedeemOutcome> {
  // A role the policy no longer allows cannot spend codes it still holds.
  if (!backupCodesAllowed(deps.policies.current().policy, input.user)) return { ok: false, reason: 'not_allowed' };
  const code = normaliseCodeInput(input.typed);
  if (code === undefined) return { ok: false, reason: 'malformed' };
  const spent = await consumeBackupCode(tx, {
    userId: input.user.id, codeHash: hashBackupCode(deps.config.session.secret, input.user.id, code), now: deps.clock.now(), ip: input.ip,
  });
  if (!spent) return { ok: false, reason: 'invalid' };
  return { ok: true, codeId: spent.id, codesLeft: await countUnusedBackupCodes(tx, input.user.id) };
}

/** The audit row and the user's notification for a spent code (SECURITY B5); never the code itself. */
export async function recordBackupCodeUse(
  tx: Executor,
  deps: BackupCodeDeps,
  input: { user: CodeHolder & { email: string; name: string }; codeId: string; codesLeft: number; ip: string | null; requestId?: string | null; language?: string | null },
): Promise<void> {
  const { user, codesLeft, ip } = input;
  const now = deps.clock.now();
  await writeAudit(tx, deps.config.session.secret, {
    event: 'backup_code.used', at: now, actor: { userId: user.id }, userId: user.id, ip, requestId: input.requestId ?? null,
    details: { codes_left: codesLeft, code_id: input.codeId },
  });
  await enqueueEmail(tx, deps.config.session.secret, {
    kind: 'backup_code_used', to: user.email, userId: user.id,
    email: backupCodeUsedEmail({ name: user.name || null, language: input.language, codesLeft, when: now, ip }),
  }, now);
}

/** The admin numbers, with "today" and "this month" taken in the server's time zone (`server.time_zone`). */
export function loadBackupCodeStats(db: Executor, input: { policy: Policy; timeZone: string; now: Date }): Promise<BackupCodeStats> {
  return backupCodeStats(db, {
    lowThreshold: input.policy.factors.backup_codes.low_threshold,
    today: localDay(input.now, input.timeZone),
    month: localMonth(input.now, input.timeZone),
  });
}
