/**
 * The dashboard's user list: search, filters and keyset pages in lower(email) order (the unique
 * index users_email_lower_key), with the per-user facts — 2FA state, codes left, last sign-in —
 * looked up for the page's rows only, so a page costs the same with 100 users or 100,000.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Executor } from '../client.js';
import type { Role, UserType } from '../schema/index.js';

export interface UserSearch {
  /** Part of the email or name, any case; empty for everyone. */
  q: string;
  role: Role | null;
  type: UserType | null;
  status: 'active' | 'disabled' | null;
  /** lower(email) of the last row of the previous page. */
  after: string | null;
  limit: number;
}

export interface UserListRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  type: UserType;
  active: boolean;
  hasPhone: boolean;
  dataProtectionLevel: number;
  expertMode: boolean;
  totp: boolean;
  securityKeys: number;
  codesLeft: number;
  lastSignInAt: Date | null;
  /** Where the account lives: the gateway's own store, or the organisation's directory. */
  source: 'local' | 'directory';
  /** A local password is set (false for an invited user who has not chosen one, and for directory users). */
  hasPassword: boolean;
  /** Disabled by an administrator here (not by the directory). */
  disabledByAdmin: boolean;
}

/** `%`, `_` and `\` typed into the search box are matched literally. */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchUsers(db: Executor, search: UserSearch): Promise<UserListRow[]> {
  const conditions: SQL[] = [sql`true`];
  if (search.q) {
    const pattern = likePattern(search.q);
    conditions.push(sql`(lower(u.email) like ${pattern} or lower(u.name) like ${pattern})`);
  }
  if (search.role) conditions.push(sql`u.role = ${search.role}`);
  if (search.type) conditions.push(sql`u.type = ${search.type}`);
  if (search.status) conditions.push(sql`u.active = ${search.status === 'active'}`);
  if (search.after !== null) conditions.push(sql`lower(u.email) > ${search.after}`);
  const result = await db.execute(sql`
    with page as (
      select ${COLUMNS} from users u
      where ${sql.join(conditions, sql` and `)}
      order by lower(u.email)
      limit ${search.limit}
    )
    select p.*, ${factsOf(sql`p.id`)} from page p
    order by lower(p.email)`);
  return rowsOf<Record<string, unknown>>(result).map(toUserListRow);
}

/** The same facts for one user (the user page). */
export async function describeUser(db: Executor, userId: string): Promise<UserListRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(userId)) return undefined;
  const result = await db.execute(sql`select ${COLUMNS}, ${factsOf(sql`u.id`)} from users u where u.id = ${userId}`);
  const [row] = rowsOf<Record<string, unknown>>(result);
  return row ? toUserListRow(row) : undefined;
}

const COLUMNS = sql.raw('u.id, u.email, u.name, u.role, u.type, u.active, u.phone, u.data_protection_level, u.expert_mode, u.directory_id, u.password_hash is not null as has_password, u.disabled_by_admin');

/** Per-user lookups, each on its per-user index (totp_user_idx, webauthn_user_idx, backup_codes_unused_idx, sign_in_user_idx). */
function factsOf(id: SQL): SQL {
  return sql`exists (select 1 from totp_factors t where t.user_id = ${id} and t.confirmed_at is not null) as totp,
    (select count(*) from webauthn_credentials w where w.user_id = ${id}) as security_keys,
    (select count(*) from backup_codes b where b.user_id = ${id} and b.used_at is null and b.voided_at is null) as codes_left,
    (select max(s.at) from sign_in_events s where s.user_id = ${id} and s.success) as last_sign_in_at`;
}

function toUserListRow(row: Record<string, unknown>): UserListRow {
  return {
    id: String(row.id),
    email: String(row.email),
    name: String(row.name ?? ''),
    role: row.role as Role,
    type: row.type as UserType,
    active: row.active === true,
    hasPhone: typeof row.phone === 'string' && row.phone !== '',
    dataProtectionLevel: Number(row.data_protection_level ?? 0),
    expertMode: row.expert_mode === true,
    totp: row.totp === true,
    securityKeys: Number(row.security_keys ?? 0),
    codesLeft: Number(row.codes_left ?? 0),
    lastSignInAt: row.last_sign_in_at == null ? null : new Date(row.last_sign_in_at as string | Date),
    source: row.directory_id == null ? 'local' : 'directory',
    hasPassword: row.has_password === true,
    disabledByAdmin: row.disabled_by_admin === true,
  };
}
