/**
 * Opaque `cursor` / `next_cursor` values of the paginated lists (CONTRACT §5): the sort key of the
 * last row shown, base64url-encoded. A cursor that does not decode is refused, never guessed at.
 */

export const MAX_CURSOR_LENGTH = 512;

function encode(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decode(cursor: string, size: number): string[] | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parts) || parts.length !== size || !parts.every((p) => typeof p === 'string')) return undefined;
    return parts as string[];
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Requests queue: (created_at, id) of the last row. */
export function requestCursor(row: { createdAt: Date; id: string }): string {
  return encode(['r', row.createdAt.toISOString(), row.id]);
}

export function parseRequestCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const parts = decode(cursor, 3);
  if (!parts || parts[0] !== 'r') return undefined;
  const createdAt = new Date(parts[1]!);
  if (Number.isNaN(createdAt.getTime()) || !UUID.test(parts[2]!)) return undefined;
  return { createdAt, id: parts[2]! };
}

/** Users list: lower(email) of the last row. */
export function userCursor(row: { email: string }): string {
  return encode(['u', row.email.toLowerCase()]);
}

export function parseUserCursor(cursor: string): string | undefined {
  const parts = decode(cursor, 2);
  return parts && parts[0] === 'u' && parts[1]!.length <= 320 ? parts[1] : undefined;
}

/** Audit log: the id of the last row. */
export function auditCursor(row: { id: number }): string {
  return encode(['a', String(row.id)]);
}

export function parseAuditCursor(cursor: string): number | undefined {
  const parts = decode(cursor, 2);
  if (!parts || parts[0] !== 'a' || !/^[1-9][0-9]{0,15}$/.test(parts[1]!)) return undefined;
  return Number(parts[1]);
}

/** Splits one extra row fetched off the end: the page, and the cursor of the next one (or null). */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (row: T) => string): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
