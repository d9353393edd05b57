/** The acting administrator, read from the users row on every request (SECURITY D1: a revoked permission bites at once). */
import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import type { AdminActor } from './permissions.js';

export async function loadActor(db: Executor, userId: string): Promise<AdminActor | undefined> {
  const [row] = await db.select({
    id: users.id, email: users.email, name: users.name, role: users.role, active: users.active,
    dataProtectionLevel: users.dataProtectionLevel, expertMode: users.expertMode,
  }).from(users).where(eq(users.id, userId)).limit(1);
  return row;
}
