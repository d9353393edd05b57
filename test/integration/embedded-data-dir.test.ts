/**
 * Embedded storage's memory settings (db/embedded-settings.ts) are given on PGlite's command line,
 * not written to the data directory: a directory made by an earlier version, which ran initdb in
 * its own process with PostgreSQL's defaults, opens, migrates and keeps its rows; and a directory
 * made now opens in PGlite with its defaults, as an earlier version would open it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, rowsOf } from '../../db/client.js';
import { EMBEDDED_SETTINGS } from '../../db/embedded-settings.js';

const SLOW = 180_000;
const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true }); });

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-embedded-'));
  dirs.push(dir);
  return dir;
}

const setting = async (query: (text: string) => Promise<{ rows: unknown[] }>, name: string) =>
  ((await query(`select current_setting('${name}') as value`)).rows[0] as { value: string }).value;

describe('embedded data directories across versions', () => {
  it('opens a directory made with PGlite\'s defaults, migrates it and keeps its rows, with the small settings', async () => {
    const dataDir = tempDir();
    // What the previous version did: PGlite.create in the gateway's process, PostgreSQL's defaults.
    const old = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions: { pg_trgm } });
    expect(await setting((q) => old.query(q), 'shared_buffers')).toBe('128MB');
    await old.exec(`create table kept (note text); insert into kept values ('written by the previous version');`);
    await old.close();
    const conf = fs.readFileSync(path.join(dataDir, 'pgdata/postgresql.conf'), 'utf8');

    const storage = await openStorage({ databaseUrl: '', dataDir });
    try {
      await storage.migrate();
      expect(rowsOf<{ note: string }>(await storage.db.execute(sql`select note from kept`))).toEqual([{ note: 'written by the previous version' }]);
      expect(rowsOf<{ value: string }>(await storage.db.execute(sql`select current_setting('shared_buffers') as value`))).toEqual([{ value: EMBEDDED_SETTINGS.shared_buffers }]);
      expect(rowsOf<{ value: string }>(await storage.db.execute(sql`select current_setting('maintenance_work_mem') as value`))).toEqual([{ value: EMBEDDED_SETTINGS.maintenance_work_mem }]);
      expect(rowsOf(await storage.db.execute(sql`select 1 from users limit 1`))).toEqual([]);
    } finally {
      await storage.close();
    }
    // Nothing was written into the directory's own configuration.
    expect(fs.readFileSync(path.join(dataDir, 'pgdata/postgresql.conf'), 'utf8')).toBe(conf);
  }, SLOW);

  it('makes a new directory that PGlite opens with its defaults, as an earlier version would', async () => {
    const dataDir = tempDir();
    const storage = await openStorage({ databaseUrl: '', dataDir, embeddedSharedBuffers: '4MB' });
    try {
      await storage.migrate();
      expect(rowsOf<{ value: string }>(await storage.db.execute(sql`select current_setting('shared_buffers') as value`))).toEqual([{ value: '4MB' }]);
      await storage.db.execute(sql`insert into users (id, email, name, created_at, updated_at) values (gen_random_uuid(), 'new@example.com', 'New', now(), now())`);
    } finally {
      await storage.close();
    }
    const earlier = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions: { pg_trgm } });
    try {
      expect(await setting((q) => earlier.query(q), 'shared_buffers')).toBe('128MB');
      expect((await earlier.query('select email from users')).rows).toEqual([{ email: 'new@example.com' }]);
    } finally {
      await earlier.close();
    }
  }, SLOW);
});
