import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { sessions, users, type Role, type UserType } from '../../db/schema/index.js';
import { openObligationsJson, parseOpenObligationsJson, type OpenObligation } from '../../db/queries/obligations.js';
import { groupsJson, parseGroupsJson } from '../../db/queries/user-groups.js';
import { sha256Hex } from '../security/hash.js';
import { randomToken } from '../security/random.js';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  type: UserType;
  /** Named groups (CONTRACT §8.2), sorted; re-read with the rest of the view. */
  groups: readonly string[];
  /** The account lives in the organisation's directory (its sessions last only while it can be checked). */
  fromDirectory?: boolean;
}

export interface SessionView {
  idHash: string;
  user: SessionUser;
  authLevel: 1 | 2;
  restricted: boolean;
  secondFactorAt: Date | null;
  /** RFC 8176 value of the second factor passed (`otp`, `hwk`), for the assertion's `amr`; null before one. */
  secondFactorAmr: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The user's open re-enrolment obligations, loaded with the session (never per request). */
  obligations: readonly OpenObligation[];
}

export interface NewSession {
  userId: string;
  authLevel: 1 | 2;
  restricted?: boolean;
  secondFactorAt?: Date | null;
  secondFactorAmr?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Keeps the absolute expiry of the session being replaced (a step-up does not extend it). */
  expiresAt?: Date;
}

/** Inserts a session row; returns the raw id for the cookie (only its hash is stored). */
export async function insertSession(db: Executor, input: NewSession, now: Date, maxAgeMs: number): Promise<{ sid: string; idHash: string; expiresAt: Date }> {
  const sid = randomToken(32);
  const idHash = sha256Hex(sid);
  const expiresAt = input.expiresAt ?? new Date(now.getTime() + maxAgeMs);
  await db.insert(sessions).values({
    idHash,
    userId: input.userId,
    authLevel: input.authLevel,
    restricted: input.restricted ?? false,
    secondFactorAt: input.secondFactorAt ?? null,
    secondFactorAmr: input.secondFactorAmr ?? null,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
  });
  return { sid, idHash, expiresAt };
}

/** Loads a live session with its user; inactive users and revoked sessions yield nothing. */
export async function loadSession(db: Executor, idHash: string): Promise<SessionView | undefined> {
  const [row] = await db.select({ session: sessions, user: users, obligations: openObligationsJson(users.id), groups: groupsJson(users.id) }).from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt), eq(users.active, true)))
    .limit(1);
  if (!row) return undefined;
  const { session, user } = row;
  return {
    idHash: session.idHash,
    user: {
      id: user.id, email: user.email, name: user.name, role: user.role, type: user.type, groups: parseGroupsJson(row.groups),
      fromDirectory: user.directoryId !== null,
    },
    authLevel: session.authLevel === 2 ? 2 : 1,
    restricted: session.restricted,
    secondFactorAt: session.secondFactorAt,
    secondFactorAmr: session.secondFactorAmr,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    expiresAt: session.expiresAt,
    obligations: parseOpenObligationsJson(row.obligations),
  };
}

export async function touchSession(db: Executor, idHash: string, now: Date): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
}

export async function revokeSession(db: Executor, idHash: string, now: Date): Promise<boolean> {
  const rows = await db.update(sessions).set({ revokedAt: now })
    .where(and(eq(sessions.idHash, idHash), isNull(sessions.revokedAt))).returning({ idHash: sessions.idHash });
  return rows.length > 0;
}

/** Revokes every live session of a user, optionally sparing one; returns the revoked id hashes. */
export async function revokeUserSessions(db: Executor, userId: string, now: Date, exceptIdHash?: string): Promise<string[]> {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (exceptIdHash) conditions.push(ne(sessions.idHash, exceptIdHash));
  const rows = await db.update(sessions).set({ revokedAt: now }).where(and(...conditions)).returning({ idHash: sessions.idHash });
  return rows.map((row) => row.idHash);
}

export async function listUserSessions(db: Executor, userId: string) {
  return db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** How many sessions of a user are live now (not revoked, not past their absolute expiry). */
export async function countLiveSessions(db: Executor, userId: string, now: Date): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)));
  return row?.n ?? 0;
}
