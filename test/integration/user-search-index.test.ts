/**
 * The dashboard's user search matches part of an email or name. Migration 0004 backs it with
 * trigram indexes (pg_trgm) on both drivers, so a search stays an index lookup with a large
 * organisation's users instead of a scan of the table.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../db/client.js';
import { searchUsers } from '../../db/queries/admin-users.js';
import { openTestStorage } from '../support/storage.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;

beforeAll(async () => {
  storage = await openTestStorage();
  await storage.db.execute(sql`
    insert into users (id, email, name, created_at, updated_at)
    select md5('search-' || n)::uuid, 'person-' || n || '@search.invalid', 'Person ' || n, now(), now()
    from generate_series(1, 3000) as n`);
  await storage.db.execute(sql`insert into users (id, email, name, created_at, updated_at) values
    (md5('ada')::uuid, 'Ada.Lovelace@Example.com', 'Countess of 100%_Lovelace', now(), now())`);
  await storage.db.execute(sql`analyze users`);
}, 60_000);
afterAll(async () => storage?.close());

const search = (q: string) => searchUsers(storage.db, { q, role: null, type: null, status: null, after: null, limit: 51 });

describe('user search', () => {
  it('finds part of an email or a name, in any case, with % and _ taken literally', async () => {
    expect((await search('lovelace@ex')).map((u) => u.email)).toEqual(['Ada.Lovelace@Example.com']);
    expect((await search('COUNTESS')).map((u) => u.email)).toEqual(['Ada.Lovelace@Example.com']);
    expect((await search('100%_l')).map((u) => u.email)).toEqual(['Ada.Lovelace@Example.com']);
    expect(await search('100_%l')).toEqual([]);
    expect((await search('person-2999')).map((u) => u.name)).toEqual(['Person 2999']);
  });

  it('can be served by the trigram indexes on email and name', async () => {
    const plan = await storage.db.transaction(async (tx) => {
      // Small tables may still be scanned by choice; the question is whether an index can serve the search.
      await tx.execute(sql`set local enable_seqscan = off`);
      const rows = rowsOf<Record<string, string>>(await tx.execute(sql`explain select id from users u
        where lower(u.email) like '%person-2999%' or lower(u.name) like '%person-2999%'`));
      return rows.map((row) => Object.values(row)[0]).join('\n');
    });
    expect(plan).toContain('users_email_trgm_idx');
    expect(plan).toContain('users_name_trgm_idx');
  });
});
