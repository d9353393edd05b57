/** What second factors a user holds, for guards (enrol, challenge) and the account page. */
import { and, asc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { backupCodes, totpFactors, users, webauthnCredentials } from '../../db/schema/index.js';

export interface UserFactors {
  /** A confirmed TOTP factor exists. */
  totp: boolean;
  /** Registered security keys / passkeys. */
  webauthn: number;
  any: boolean;
}

/** One round trip on the per-user indexes (totp_user_idx, webauthn_user_idx). */
export async function userFactors(db: Executor, userId: string): Promise<UserFactors> {
  // Aliased tables: drizzle leaves column names unqualified in a raw subquery.
  const [row] = await db.select({
    totp: sql<boolean>`exists (select 1 from totp_factors t where t.user_id = ${userId} and t.confirmed_at is not null)`.mapWith(Boolean),
    webauthn: sql<number>`(select count(*) from webauthn_credentials w where w.user_id = ${userId})`.mapWith(Number),
  }).from(users).where(eq(users.id, userId)).limit(1);
  const totp = row?.totp ?? false;
  const webauthn = row?.webauthn ?? 0;
  return { totp, webauthn, any: totp || webauthn > 0 };
}

export interface SecurityKeySummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The details the account page shows: when TOTP was set up, the keys, the backup codes left. */
export async function accountFactors(db: Executor, userId: string): Promise<{ totpConfirmedAt: Date | null; keys: SecurityKeySummary[]; backupCodesLeft: number }> {
  const [totp] = await db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors)
    .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt))).limit(1);
  const keys = await db.select({
    id: webauthnCredentials.id, name: webauthnCredentials.name, createdAt: webauthnCredentials.createdAt, lastUsedAt: webauthnCredentials.lastUsedAt,
  }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).orderBy(asc(webauthnCredentials.createdAt));
  // Matches the partial index backup_codes_unused_idx.
  const [codes] = await db.select({ left: sql<number>`count(*)`.mapWith(Number) }).from(backupCodes)
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt), isNull(backupCodes.voidedAt)));
  return { totpConfirmedAt: totp?.confirmedAt ?? null, keys, backupCodesLeft: codes?.left ?? 0 };
}
