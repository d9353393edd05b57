import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';

/** TOTP: the secret is sealed (AES-GCM, key from the server secret); confirmedAt null = enrolment pending. */
export const totpFactors = pgTable('totp_factors', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull().default('Authenticator app'),
  secretSealed: text('secret_sealed').notNull(),
  /** RFC 6238 time step of the last accepted code; a step at or below it is a replay (SECURITY T2). */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
}, (t) => [index('totp_user_idx').on(t.userId)]);

export const webauthnCredentials = pgTable('webauthn_credentials', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  credentialId: text('credential_id').notNull(),
  publicKey: text('public_key').notNull(),
  counter: bigint('counter', { mode: 'number' }).notNull().default(0),
  transports: jsonb('transports').$type<string[]>().notNull().default([]),
  deviceType: text('device_type'),
  backedUp: boolean('backed_up').notNull().default(false),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
}, (t) => [
  // SECURITY W3: a credential id can belong to one account only.
  uniqueIndex('webauthn_credential_id_key').on(t.credentialId),
  index('webauthn_user_idx').on(t.userId),
]);

/** WebAuthn challenges: single-use, short-lived, stored server-side (SECURITY W1). */
export const webauthnChallenges = pgTable('webauthn_challenges', {
  challenge: text('challenge').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  purpose: text('purpose').$type<'register' | 'authenticate'>().notNull(),
  /** The session that asked, so a challenge cannot be answered from another browser. */
  sessionIdHash: text('session_id_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** Backup codes, stored only as HMAC (SECURITY B2); a set is voided as a whole by a new one. */
export const backupCodes = pgTable('backup_codes', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  setId: uuid('set_id').notNull(),
  codeHash: text('code_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  usedIp: text('used_ip'),
  voidedAt: timestamp('voided_at', { withTimezone: true }),
}, (t) => [
  index('backup_codes_lookup_idx').on(t.userId, t.codeHash),
  index('backup_codes_unused_idx').on(t.userId).where(sql`${t.usedAt} is null and ${t.voidedAt} is null`),
  index('backup_codes_used_at_idx').on(t.usedAt).where(sql`${t.usedAt} is not null`),
]);

/**
 * One row per user who has ever held backup codes: how many of the live set are left and when one
 * was last used. Statement triggers on backup_codes keep it exact in the same transaction as every
 * insert, use and void (migration 0005), so the dashboard's statistics and holder list read one row
 * per holder instead of grouping every unused code (470,000 of them for 100,000 users: ~90 ms).
 */
export const backupCodeBalances = pgTable('backup_code_balances', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  codesLeft: integer('codes_left').notNull().default(0),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
}, (t) => [
  index('backup_code_balances_left_idx').on(t.codesLeft, t.userId).where(sql`${t.codesLeft} > 0`),
]);

/** Email one-time codes, bound to the sign-in attempt (session) that asked (SECURITY E1). */
export const emailOtps = pgTable('email_otps', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  sessionIdHash: text('session_id_hash').notNull(),
  codeHash: text('code_hash').notNull(),
  attempts: integer('attempts').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  voidedAt: timestamp('voided_at', { withTimezone: true }),
}, (t) => [index('email_otps_user_idx').on(t.userId, t.createdAt)]);

/** Admin-issued recovery codes (SECURITY R1). */
export const recoveryCodes = pgTable('recovery_codes', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  requestId: uuid('request_id'),
  codeHash: text('code_hash').notNull(),
  issuedBy: uuid('issued_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  voidedAt: timestamp('voided_at', { withTimezone: true }),
}, (t) => [index('recovery_codes_user_idx').on(t.userId, t.codeHash)]);

/**
 * A freshly generated backup-code set waits here, sealed, until the page shows it once: the
 * display consumes the row atomically, so a second visit shows nothing (SECURITY B4).
 */
export const backupCodeDisplays = pgTable('backup_code_displays', {
  setId: uuid('set_id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  sealedCodes: text('sealed_codes').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  shownAt: timestamp('shown_at', { withTimezone: true }),
}, (t) => [index('backup_code_displays_user_idx').on(t.userId)]);
