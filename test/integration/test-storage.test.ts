// The test fixture's embedded storage starts from one migrated dump per run
// (test/support/global-setup.ts); each file must still get a database of its own, fully migrated.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, rowsOf } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { openTestStorage } from '../support/storage.js';

describe('test storage', () => {
  const opened: Array<Awaited<ReturnType<typeof openTestStorage>>> = [];
  afterAll(async () => { await Promise.all(opened.map((s) => s.close())); });

  // Two databases migrated from scratch: on a loaded machine that alone can pass 30 s.
  it('gives each caller its own migrated database', { timeout: 120_000 }, async () => {
    const [a, b] = [await openTestStorage(), await openTestStorage()];
    opened.push(a, b);
    const at = new Date();
    await a.db.insert(users).values({ id: randomUUID(), email: 'only-in-a@example.com', name: 'A', createdAt: at, updatedAt: at });
    expect(await a.db.select().from(users)).toHaveLength(1);
    expect(await b.db.select().from(users)).toHaveLength(0);

    const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    const applied = rowsOf<{ n: number }>(await b.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
    expect(applied[0]!.n).toBe(journal.entries.length);
    // Migration 0004's trigram index came with the copy.
    const indexes = rowsOf(await b.db.execute(sql`select indexname from pg_indexes where indexname = 'users_email_trgm_idx'`));
    expect(indexes).toHaveLength(1);
  });
});
