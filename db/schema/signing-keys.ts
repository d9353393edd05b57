import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Keys that sign identity assertions (CONTRACT §8.2), shared by every instance through the
 * database. A key is published from `created_at`, signs from `signs_from` (later, once verifiers
 * have had time to fetch it), stops signing at `retired_at` (its successor's `signs_from`) and
 * leaves the key set after `published_until` (when its last assertion has expired).
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  algorithm: text('algorithm').notNull(),
  /** The public key as a JWK (no private members). */
  publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
  /** The private key as a JWK, sealed with gateway/security/secret-box.ts under a key derived from the session secret. */
  privateKeySealed: text('private_key_sealed').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  signsFrom: timestamp('signs_from', { withTimezone: true }).notNull(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
  publishedUntil: timestamp('published_until', { withTimezone: true }),
});

export type SigningKeyRow = typeof signingKeys.$inferSelect;
