import { boolean, index, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';

/**
 * Server-side half of a session: the cookie carries a signed random id, and only its SHA-256
 * is stored, so a database dump yields no usable cookie.
 */
export const sessions = pgTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  /** 1 = password only, 2 = second factor passed. */
  authLevel: smallint('auth_level').notNull(),
  /** A recovery-code session may only enrol a new factor. */
  restricted: boolean('restricted').notNull().default(false),
  secondFactorAt: timestamp('second_factor_at', { withTimezone: true }),
  /** How the second factor was passed, as an RFC 8176 `amr` value (otp, hwk, swk); null before it. */
  secondFactorAmr: text('second_factor_amr'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  ip: text('ip'),
  userAgent: text('user_agent'),
}, (t) => [index('sessions_user_idx').on(t.userId)]);

export type SessionRow = typeof sessions.$inferSelect;
