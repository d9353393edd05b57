/**
 * "On behalf of" names a user, not free text (issue 28 item 7): what the picker posts (an email),
 * what an API caller sends (an id or an email), or what was typed without JavaScript (a name or
 * part of one) becomes exactly one active user, or a refusal that lists the candidates.
 */
import type { Executor } from '../../db/client.js';
import { searchUsers } from '../../db/queries/admin-users.js';
import { findUserByEmail, findUserById } from '../../db/queries/users.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Enough to tell the administrator whom they may have meant.
const CANDIDATES = 5;

export interface OnBehalfOf {
  id: string;
  email: string;
}

export type OnBehalfOfLookup = { ok: true; user: OnBehalfOf | null } | { ok: false; candidates: string[] };

export async function resolveOnBehalfOf(db: Executor, text: string | null): Promise<OnBehalfOfLookup> {
  if (!text) return { ok: true, user: null };
  const exact = UUID.test(text) ? await findUserById(db, text.toLowerCase()) : text.includes('@') ? await findUserByEmail(db, text) : undefined;
  if (exact?.active) return { ok: true, user: { id: exact.id, email: exact.email } };
  const matches = await searchUsers(db, { q: text, role: null, type: null, status: 'active', after: null, limit: CANDIDATES + 1 });
  if (matches.length === 1) return { ok: true, user: { id: matches[0]!.id, email: matches[0]!.email } };
  return { ok: false, candidates: matches.slice(0, CANDIDATES).map((user) => user.email) };
}
