import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const ROLES = ['super_admin', 'owner', 'admin', 'user'] as const;
export const USER_TYPES = ['user', 'employee', 'customer'] as const;
export type Role = (typeof ROLES)[number];
export type UserType = (typeof USER_TYPES)[number];

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull().default(''),
  role: text('role').$type<Role>().notNull().default('user'),
  type: text('type').$type<UserType>().notNull().default('user'),
  phone: text('phone'),
  passwordHash: text('password_hash'),
  active: boolean('active').notNull().default(true),
  /**
   * Disabled by an administrator of this gateway (dashboard or CLI), not by the directory: only an
   * administrator enables it again, and a directory refresh or sign-in never does (docs/directory.md).
   */
  disabledByAdmin: boolean('disabled_by_admin').notNull().default(false),
  dataProtectionLevel: integer('data_protection_level').notNull().default(0),
  expertMode: boolean('expert_mode').notNull().default(false),
  /** The directory's immutable id (entryUUID, objectGUID); null for a local account. */
  directoryId: text('directory_id'),
  /** The language the user last chose or signed in with (en, de, fr, es): their emails are written in it. Null: English. */
  language: text('language'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
}, (t) => [
  // Email is an identity: Alice@x and alice@x are the same person.
  uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
  index('users_role_idx').on(t.role),
  // One local row per directory entry: a rename or a new email finds the same row.
  uniqueIndex('users_directory_id_key').on(t.directoryId).where(sql`${t.directoryId} is not null`),
]);

export type UserRow = typeof users.$inferSelect;

/**
 * Named groups a user belongs to (CONTRACT §8.2): set by administrators or filled from the
 * directory, sent to apps in the groups header and the assertion, matched by access rules.
 * Names follow gateway/core/groups.ts; one row per membership.
 */
export const userGroups = pgTable('user_groups', {
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
}, (t) => [
  primaryKey({ columns: [t.userId, t.name] }),
  // Who is in a group (directory sync, the dashboard).
  index('user_groups_name_idx').on(t.name),
]);
