/**
 * Every application table as plain rows, the way `pg_dump` (or an attacker with read access)
 * would see it: for "nothing changed" checks and for searching a dump for secrets.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';

export const TABLES = [
  'users', 'sessions', 'user_tokens', 'api_tokens',
  'totp_factors', 'webauthn_credentials', 'webauthn_challenges', 'backup_codes', 'backup_code_displays',
  'email_otps', 'recovery_codes', 'outbox', 'sign_in_events', 'assistance_requests', 'obligations', 'audit_log',
] as const;

export type TableName = (typeof TABLES)[number];

export async function dumpTable(db: Database, table: TableName): Promise<Array<Record<string, unknown>>> {
  const result = await db.execute(sql.raw(`select * from ${table} order by 1`));
  return (result as unknown as { rows: Array<Record<string, unknown>> }).rows;
}

/** All tables, each row serialised; equal dumps mean the database did not change. */
export async function dumpDatabase(db: Database): Promise<Record<TableName, string[]>> {
  const out = {} as Record<TableName, string[]>;
  for (const table of TABLES) out[table] = (await dumpTable(db, table)).map((row) => JSON.stringify(row, binaryAsHex));
  return out;
}

function binaryAsHex(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') return Buffer.from((value as { data: number[] }).data).toString('hex');
  return value;
}
