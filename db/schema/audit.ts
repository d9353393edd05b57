import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Append-only and hash-chained: each row's hash covers its content and its predecessor's hash. */
export const auditLog = pgTable('audit_log', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  event: text('event').notNull(),
  actorId: uuid('actor_id'),
  /** `cli` or `system` when no user acted; null when actorId is set. */
  actorLabel: text('actor_label'),
  userId: uuid('user_id'),
  ip: text('ip'),
  location: text('location'),
  reason: text('reason'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  requestId: text('request_id'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
}, (t) => [
  index('audit_event_idx').on(t.event, t.id),
  index('audit_user_idx').on(t.userId, t.id),
  index('audit_actor_idx').on(t.actorId, t.id),
  index('audit_at_idx').on(t.at),
]);

export type AuditRow = typeof auditLog.$inferSelect;
