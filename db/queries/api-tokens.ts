import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { apiTokens } from '../schema/index.js';

export async function insertApiToken(db: Executor, input: { name: string; userId: string; tokenHash: string; now: Date }): Promise<string> {
  const id = randomUUID();
  await db.insert(apiTokens).values({ id, name: input.name, userId: input.userId, tokenHash: input.tokenHash, createdAt: input.now });
  return id;
}

export async function findLiveApiToken(db: Executor, tokenHash: string) {
  const [row] = await db.select().from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))).limit(1);
  return row;
}

export async function revokeApiToken(db: Executor, idOrName: string, now: Date) {
  const byId = /^[0-9a-f-]{36}$/i.test(idOrName);
  return db.update(apiTokens).set({ revokedAt: now })
    .where(and(byId ? eq(apiTokens.id, idOrName) : eq(apiTokens.name, idOrName), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name, userId: apiTokens.userId });
}
