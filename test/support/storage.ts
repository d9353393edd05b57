import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

// The migrated dump, read once per worker (test files share a worker's modules).
let templateBytes: Buffer<ArrayBuffer> | undefined;

/**
 * A fresh, migrated database for one test file: a new PostgreSQL database (dropped afterwards)
 * when DATABASE_URL is set, otherwise an in-memory PGlite started from the migrated dump that
 * test/support/global-setup.ts made for this run. Tests isolate themselves this way and can run
 * in parallel.
 */
export async function openTestStorage(): Promise<Storage & { databaseUrl: string }> {
  const storage = await openFreshStorage({ startFromMigratedDump: true });
  await storage.migrate();
  return storage;
}

/** A fresh database with no migrations applied, for tests that apply migrations themselves. */
export function openEmptyTestStorage(): Promise<Storage & { databaseUrl: string }> {
  return openFreshStorage({ startFromMigratedDump: false });
}

/**
 * The dump global-setup.ts made, inside vitest; outside it (`npm run screenshots`) there is none,
 * and the database is migrated from scratch.
 */
function migratedDumpOfThisRun(): string {
  try {
    return inject('embeddedTemplate');
  } catch {
    return '';
  }
}

/** The embedded run may start from the migrated dump (openTestStorage migrates the rest, if any). */
async function openFreshStorage(options: { startFromMigratedDump: boolean }): Promise<Storage & { databaseUrl: string }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const template = options.startFromMigratedDump ? migratedDumpOfThisRun() : '';
    const storage = await openStorage({
      databaseUrl: '', dataDir: 'memory://',
      ...(template ? { loadDataDir: new Blob([(templateBytes ??= fs.readFileSync(template))]) } : {}),
    });
    return Object.assign(storage, { databaseUrl: '' });
  }
  const name = `recourse_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const storage = await openStorage({ databaseUrl: url.toString(), dataDir: '' , poolSize: 20 });
  const close = storage.close;
  return Object.assign(storage, {
    databaseUrl: url.toString(),
    close: async () => {
      await close();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  });
}
