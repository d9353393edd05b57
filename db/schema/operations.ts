import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';

export const DELIVERY_STATUSES = ['pending', 'email_sent', 'sms_sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Every message is written here first, in the transaction of the event that caused it, and sent
 * by the worker with retries; `lockedUntil` is a lease so two instances never send one row twice.
 */
export const outbox = pgTable('outbox', {
  id: uuid('id').primaryKey(),
  channel: text('channel').$type<'email' | 'sms'>().notNull(),
  kind: text('kind').notNull(),
  recipient: text('recipient').notNull(),
  subject: text('subject').notNull().default(''),
  /** The body (text and HTML), sealed while the message waits (gateway/delivery/sealed-body.ts); null once delivered or given up. */
  sealedBody: text('sealed_body'),
  /** Plain bodies of messages queued before migration 0003, sent as they are; always '' for newer rows. */
  text: text('text').notNull().default(''),
  html: text('html').notNull().default(''),
  userId: uuid('user_id'),
  /** The recovery request this message belongs to, if any (its Delivery column follows it). */
  requestId: uuid('request_id'),
  status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  lastError: text('last_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
}, (t) => [
  index('outbox_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  index('outbox_request_idx').on(t.requestId),
]);

/** Every sign-in attempt with where it came from: the context admins judge requests by. */
export const signInEvents = pgTable('sign_in_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  userId: uuid('user_id'),
  email: text('email'),
  at: timestamp('at', { withTimezone: true }).notNull(),
  success: boolean('success').notNull(),
  method: text('method').notNull(),
  ip: text('ip'),
  city: text('city'),
  country: text('country'),
  asn: integer('asn'),
  org: text('org'),
  network: text('network'),
  userAgent: text('user_agent'),
}, (t) => [index('sign_in_user_idx').on(t.userId, t.at)]);

export const REQUEST_STATUSES = ['pending', 'approved', 'cancelled', 'completed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const assistanceRequests = pgTable('assistance_requests', {
  id: uuid('id').primaryKey(),
  reference: text('reference').notNull(),
  submittedEmail: text('submitted_email').notNull(),
  userId: uuid('user_id'),
  type: text('type').notNull(),
  message: text('message').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  ip: text('ip'),
  location: text('location'),
  network: text('network'),
  context: jsonb('context').$type<Record<string, unknown>>().notNull().default({}),
  flags: jsonb('flags').$type<string[]>().notNull().default([]),
  status: text('status').$type<RequestStatus>().notNull().default('pending'),
  delivery: text('delivery').$type<DeliveryStatus>().notNull().default('pending'),
  notifiedAdmins: jsonb('notified_admins').$type<string[]>().notNull().default([]),
  closedReason: text('closed_reason'),
  /**
   * When the account-dependent work was done (matching the account, context, flags, alerts,
   * audit): after the answer to the requester, so its timing cannot tell (SECURITY A1). Null
   * until then; any instance's assistance worker picks such a row up.
   */
  processedAt: timestamp('processed_at', { withTimezone: true }),
}, (t) => [
  uniqueIndex('assistance_reference_key').on(t.reference),
  index('assistance_unprocessed_idx').on(t.createdAt).where(sql`${t.processedAt} is null`),
  index('assistance_status_idx').on(t.status, t.createdAt),
  index('assistance_created_idx').on(t.createdAt),
  index('assistance_user_idx').on(t.userId, t.createdAt),
]);

/** Re-enrolment obligations created by policy triggers; dueAt null means immediate. */
export const obligations = pgTable('obligations', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  trigger: text('trigger').notNull(),
  requirement: text('requirement').notNull(),
  dueAt: timestamp('due_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
  snoozedUntil: timestamp('snoozed_until', { withTimezone: true }),
}, (t) => [index('obligations_open_idx').on(t.userId).where(sql`${t.completedAt} is null`)]);

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash)]);
