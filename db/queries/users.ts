import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { backupCodes, totpFactors, users, webauthnCredentials, type Role, type UserRow, type UserType } from '../schema/index.js';

export interface NewUser {
  email: string;
  name?: string;
  role?: Role;
  type?: UserType;
  phone?: string | null;
  passwordHash?: string | null;
  dataProtectionLevel?: number;
  expertMode?: boolean;
  /** The directory entry's immutable id, for a user whose identity and password live there. */
  directoryId?: string | null;
}

export type CreateUserOutcome = { ok: true; user: UserRow } | { ok: false; reason: 'duplicate_email' };

const UNIQUE_VIOLATION = '23505';

export async function createUser(db: Executor, input: NewUser, now: Date): Promise<CreateUserOutcome> {
  try {
    const [user] = await db.insert(users).values({
      id: randomUUID(),
      email: input.email.trim(),
      name: input.name ?? '',
      role: input.role ?? 'user',
      type: input.type ?? 'user',
      phone: input.phone ?? null,
      passwordHash: input.passwordHash ?? null,
      dataProtectionLevel: input.dataProtectionLevel ?? 0,
      expertMode: input.expertMode ?? false,
      directoryId: input.directoryId ?? null,
      createdAt: now,
      updatedAt: now,
    }).returning();
    return { ok: true, user: user! };
  } catch (error) {
    if (pgErrorCode(error) === UNIQUE_VIOLATION) return { ok: false, reason: 'duplicate_email' };
    throw error;
  }
}

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email.trim()})`).limit(1);
  return user;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

/** One user's row, locked until the transaction ends (two administrators changing it are serialised). */
export async function lockUserById(tx: Executor, id: string): Promise<UserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [user] = await tx.select().from(users).where(eq(users.id, id)).limit(1).for('update');
  return user;
}

/** The addresses among `emails` that an account already holds, lower-cased (users_email_lower_key). */
export async function takenEmails(db: Executor, emails: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(emails.map((email) => email.trim().toLowerCase()))];
  if (wanted.length === 0) return new Set();
  const rows = await db.select({ email: sql<string>`lower(${users.email})` }).from(users).where(inArray(sql`lower(${users.email})`, wanted));
  return new Set(rows.map((row) => row.email));
}

export async function listUsers(db: Executor): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.email));
}

/** Users with their second-factor state and unused backup codes, in one query (for `user list`). */
export async function listUsersWithFactors(db: Executor) {
  return db.select({
    id: users.id, email: users.email, name: users.name, role: users.role, type: users.type, active: users.active,
    twoFactor: sql<boolean>`(exists (select 1 from ${totpFactors} t where t.user_id = "users"."id" and t.confirmed_at is not null)
      or exists (select 1 from ${webauthnCredentials} w where w.user_id = "users"."id"))`,
    backupCodesLeft: sql<number>`(select count(*)::int from ${backupCodes} b where b.user_id = "users"."id" and b.used_at is null and b.voided_at is null)`,
  }).from(users).orderBy(asc(users.email));
}

export async function updateUser(db: Executor, id: string, patch: Partial<Omit<UserRow, 'id' | 'createdAt'>>, now: Date): Promise<UserRow | undefined> {
  const [user] = await db.update(users).set({ ...patch, updatedAt: now }).where(eq(users.id, id)).returning();
  return user;
}

/**
 * Replaces a password hash made with earlier settings by one of today's, only if the stored hash
 * is still the one that was verified: a password changed in the meantime is never overwritten.
 */
export async function replacePasswordHash(db: Executor, input: { userId: string; verified: string; replacement: string; now: Date }): Promise<boolean> {
  const replaced = await db.update(users).set({ passwordHash: input.replacement, updatedAt: input.now })
    .where(and(eq(users.id, input.userId), eq(users.passwordHash, input.verified))).returning({ id: users.id });
  return replaced.length > 0;
}

/** node-postgres puts the SQLSTATE on the error; drizzle wraps it in `cause`. */
export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e?.code === 'string' ? e.code : e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Stores the language a user reads in (their emails follow it); writes only when it changed. */
export async function rememberUserLanguage(db: Executor, userId: string, language: string): Promise<void> {
  await db.update(users).set({ language }).where(and(eq(users.id, userId), sql`${users.language} is distinct from ${language}`));
}
