/**
 * Query parameters of the lists (dashboard and API) → validated filters. Anything unknown is
 * refused with the parameter's name, never silently widened to "everything".
 */
import type { AuditFilter } from '../../db/queries/admin-audit.js';
import type { RequestQueueFilter } from '../../db/queries/admin.js';
import type { UserSearch } from '../../db/queries/admin-users.js';
import { findUserByEmail, findUserById } from '../../db/queries/users.js';
import type { Executor } from '../../db/client.js';
import { REQUEST_STATUSES, ROLES, USER_TYPES, type RequestStatus, type Role, type UserType } from '../../db/schema/index.js';
import { AUDIT_EVENTS } from '../audit/events.js';
import { parseAuditCursor, parseRequestCursor, parseUserCursor } from './cursor.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; param: string };

const ALL = new Set(['', 'all']);

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | null | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (ALL.has(v)) return null;
  return (allowed as readonly string[]).includes(v) ? v as T : undefined;
}

export interface ListQuery {
  [name: string]: string | undefined;
}

export function parseRequestQuery(query: ListQuery, limit: number, defaultStatus: RequestStatus | null): Parsed<RequestQueueFilter> {
  const status = query.status === undefined ? defaultStatus : oneOf(query.status, REQUEST_STATUSES);
  if (status === undefined) return { ok: false, param: 'status' };
  const type = oneOf(query.type, USER_TYPES);
  if (type === undefined) return { ok: false, param: 'type' };
  let after: RequestQueueFilter['after'] = null;
  if (query.cursor) {
    after = parseRequestCursor(query.cursor) ?? null;
    if (!after) return { ok: false, param: 'cursor' };
  }
  return { ok: true, value: { status, type, after, limit } };
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

/** `matches: false` when a user or actor filter names nobody: the answer is an empty list. */
export async function parseAuditQuery(db: Executor, query: ListQuery, limit: number): Promise<Parsed<{ filter: AuditFilter; matches: boolean }>> {
  const event = (query.event ?? '').trim();
  if (event && !(AUDIT_EVENTS as readonly string[]).includes(event)) return { ok: false, param: 'event' };
  const filter: AuditFilter = { event: event || null, userId: null, actor: null, since: null, until: null, beforeId: null, limit };
  let matches = true;
  const user = (query.user ?? '').trim();
  if (user) {
    if (user.length > 320) return { ok: false, param: 'user' };
    const id = await userIdOf(db, user);
    if (id) filter.userId = id;
    else matches = false;
  }
  const actor = (query.actor ?? '').trim();
  if (actor) {
    if (actor.length > 320) return { ok: false, param: 'actor' };
    if (actor === 'cli' || actor === 'system') filter.actor = { label: actor };
    else {
      const id = await userIdOf(db, actor);
      if (id) filter.actor = { userId: id };
      else matches = false;
    }
  }
  for (const name of ['since', 'until'] as const) {
    const raw = query[name];
    if (!raw) continue;
    const at = parseInstant(raw);
    if (!at) return { ok: false, param: name };
    filter[name] = at;
  }
  if (query.cursor) {
    const beforeId = parseAuditCursor(query.cursor);
    if (beforeId === undefined) return { ok: false, param: 'cursor' };
    filter.beforeId = beforeId;
  }
  return { ok: true, value: { filter, matches } };
}
