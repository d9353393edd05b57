import { eq, isNotNull } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { users, type UserRow } from '../schema/index.js';

export async function findUserByDirectoryId(db: Executor, directoryId: string): Promise<UserRow | undefined> {
  const [user] = await db.select().from(users).where(eq(users.directoryId, directoryId)).limit(1);
  return user;
}

/** Every local row linked to a directory entry (sync and refresh compare them with the directory). */
export async function listDirectoryUsers(db: Executor): Promise<UserRow[]> {
  return db.select().from(users).where(isNotNull(users.directoryId));
}
