/**
 * Query parameters of the lists (dashboard and API) → validated filters. Anything unknown is
 * refused with the parameter's name, never silently widened to "everything". The request and audit
 * lists' parameters are zod schemas: the dashboard parses with them here, and the JSON API
 * validates its calls and writes its OpenAPI document (routes/api/) from the very same ones.
 */
import { z } from 'zod';
import type { AuditFilter } from '../../db/queries/admin-audit.js';
import type { RequestQueueFilter } from '../../db/queries/admin.js';
import type { UserSearch } from '../../db/queries/admin-users.js';
import { findUserByEmail, findUserById } from '../../db/queries/users.js';
import type { Executor } from '../../db/client.js';
import { REQUEST_STATUSES, ROLES, USER_TYPES, type RequestStatus, type Role, type UserType } from '../../db/schema/index.js';
import { AUDIT_EVENTS } from '../audit/events.js';
import { MAX_CURSOR_LENGTH, parseAuditCursor, parseRequestCursor, parseUserCursor } from './cursor.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; param: string };

const ALL = new Set(['', 'all']);
// RFC 5321 §4.5.3.1.1-2: a local part of at most 64 octets, "@", a domain of at most 255.
const MAX_USER_REF = 320;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | null | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (ALL.has(v)) return null;
  return (allowed as readonly string[]).includes(v) ? v as T : undefined;
}

export interface ListQuery {
  [name: string]: string | undefined;
}

/** The name of the first parameter a list query was refused for. */
export function refusedParam(error: z.ZodError): string {
  return String(error.issues[0]?.path[0] ?? 'query');
}

/** One of `values` in any case, spaces around ignored; `all` or empty is every value (null). */
function choice<const T extends string>(values: readonly [T, ...T[]], description: string) {
  return z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['all', '', ...values] as const))
    .transform((v) => (ALL.has(v) ? null : v as T))
    .optional()
    .meta({ description: `${description}; \`all\` or empty for every one (case is ignored)` });
}

/** An opaque `next_cursor` of this list; empty is the first page (null). */
function cursorOf<T>(parse: (cursor: string) => T | undefined) {
  return z.string().max(MAX_CURSOR_LENGTH).optional()
    .transform((cursor, ctx) => {
      if (!cursor) return null;
      const after = parse(cursor);
      if (after === undefined) ctx.addIssue({ code: 'custom', message: 'not a cursor of this list' });
      return after ?? null;
    })
    .meta({ description: 'The `next_cursor` of the previous page; absent for the first page' });
}

/** An instant (parseInstant); empty is none (null). */
function instant(description: string) {
  return z.string().optional()
    .transform((text, ctx) => {
      if (!text) return null;
      const at = parseInstant(text);
      if (!at) ctx.addIssue({ code: 'custom', message: 'not an instant' });
      return at ?? null;
    })
    .meta({ description: `${description}: ISO 8601 (\`2026-03-01T09:00:00Z\`), or \`2026-03-01T09:00\` read as UTC`, example: '2026-03-01T09:00:00Z' });
}

/** `GET P/admin/requests` and `GET P/api/v1/recovery-requests`. */
export const requestListQuery = z.object({
  status: choice(REQUEST_STATUSES, 'Only requests with this status'),
  type: choice(USER_TYPES, 'Only requests whose account has this user type'),
  cursor: cursorOf(parseRequestCursor),
});
export type RequestListQuery = z.output<typeof requestListQuery>;

/** A validated request-list query as the queue's filter; no `status` at all means `defaultStatus`. */
export function requestFilter(query: RequestListQuery, limit: number, defaultStatus: RequestStatus | null): RequestQueueFilter {
  return { status: query.status === undefined ? defaultStatus : query.status, type: query.type ?? null, after: query.cursor, limit };
}

export function parseRequestQuery(query: ListQuery, limit: number, defaultStatus: RequestStatus | null): Parsed<RequestQueueFilter> {
  const parsed = requestListQuery.safeParse(query);
  if (!parsed.success) return { ok: false, param: refusedParam(parsed.error) };
  return { ok: true, value: requestFilter(parsed.data, limit, defaultStatus) };
}

export function parseUserQuery(query: ListQuery, limit: number): Parsed<UserSearch> {
  const q = (query.q ?? '').trim();
  if (q.length > 200) return { ok: false, param: 'q' };
  const role = oneOf<Role>(query.role, ROLES);
  if (role === undefined) return { ok: false, param: 'role' };
  const type = oneOf<UserType>(query.type, USER_TYPES);
  if (type === undefined) return { ok: false, param: 'type' };
  const status = oneOf(query.status, ['active', 'disabled'] as const);
  if (status === undefined) return { ok: false, param: 'status' };
  let after: string | null = null;
  if (query.cursor) {
    after = parseUserCursor(query.cursor) ?? null;
    if (after === null) return { ok: false, param: 'cursor' };
  }
  return { ok: true, value: { q, role, type, status, after, limit } };
}

/** ISO 8601 (`2026-03-01T09:00:00Z`), or a datetime-local value (`2026-03-01T09:00`) read as UTC. */
export function parseInstant(value: string): Date | undefined {
  const text = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text)) return undefined;
  const zoned = /T/.test(text) && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text}Z` : text;
  const at = new Date(zoned);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user named by id or email → its id; undefined when no such user (the list is then empty). */
async function userIdOf(db: Executor, ref: string): Promise<string | undefined> {
  if (UUID.test(ref)) return (await findUserById(db, ref))?.id ?? ref.toLowerCase();
  return (await findUserByEmail(db, ref))?.id;
}

/** A user named by id or email (the subject's or the actor's filter); empty is anyone. */
function userRef(description: string) {
  return z.string().trim().max(MAX_USER_REF).optional().meta({ description });
}

/** `GET P/admin/audit`, `P/admin/audit.csv` and `GET P/api/v1/audit-logs`. */
export const auditListQuery = z.object({
  event: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.enum(['', ...AUDIT_EVENTS] as const)).optional()
    .transform((event) => event || null)
    .meta({ description: 'Only entries of this event (CONTRACT §6); empty for every one' }),
  user: userRef('Only entries about this user: a user id or an email address'),
  actor: userRef('Only entries by this actor: a user id, an email address, `cli` or `system`'),
  since: instant('Only entries at or after this instant'),
  until: instant('Only entries before this instant'),
  cursor: cursorOf(parseAuditCursor),
});
export type AuditListQuery = z.output<typeof auditListQuery>;

/** `matches: false` when a user or actor filter names nobody: the answer is an empty list. */
export async function auditFilter(db: Executor, query: AuditListQuery, limit: number): Promise<{ filter: AuditFilter; matches: boolean }> {
  const filter: AuditFilter = { event: query.event, userId: null, actor: null, since: query.since, until: query.until, beforeId: query.cursor, limit };
  let matches = true;
  if (query.user) {
    const id = await userIdOf(db, query.user);
    if (id) filter.userId = id;
    else matches = false;
  }
  const { actor } = query;
  if (actor === 'cli' || actor === 'system') filter.actor = { label: actor };
  else if (actor) {
    const id = await userIdOf(db, actor);
    if (id) filter.actor = { userId: id };
    else matches = false;
  }
  return { filter, matches };
}

export async function parseAuditQuery(db: Executor, query: ListQuery, limit: number): Promise<Parsed<{ filter: AuditFilter; matches: boolean }>> {
  const parsed = auditListQuery.safeParse(query);
  if (!parsed.success) return { ok: false, param: refusedParam(parsed.error) };
  return { ok: true, value: await auditFilter(db, parsed.data, limit) };
}
