/**
 * Embedded storage: PGlite (PostgreSQL 18 compiled to WebAssembly) inside the gateway's process.
 * Its memory is the gateway's memory, so it runs with settings sized for one small gateway rather
 * than PostgreSQL's defaults for a server of its own (docs/performance.md, "Embedded storage's
 * memory").
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Database, OpenStorageOptions, Storage } from './client.js';
import { MIGRATIONS_DIR } from './client.js';
import { EMBEDDED_SETTINGS } from './embedded-settings.js';
import * as schema from './schema/index.js';

export async function openEmbedded(options: OpenStorageOptions): Promise<Storage> {
  const { PGlite } = await import('@electric-sql/pglite');
  // The trigram indexes of user search (migration 0004); the extension ships with PGlite.
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const dataDir = inMemory ? options.dataDir : path.join(options.dataDir, 'pgdata');
  if (!inMemory && !options.loadDataDir && !fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await createDataDir(dataDir);
  const settings = { ...EMBEDDED_SETTINGS, ...(options.embeddedSharedBuffers ? { shared_buffers: options.embeddedSharedBuffers } : {}) };
  const startParams = [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const client = await PGlite.create(dataDir, { extensions: { pg_trgm }, startParams, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'embedded',
    migrate: (migrationsFolder = MIGRATIONS_DIR) => migrate(drizzle({ client, schema }), { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('none') as Promise<Blob>,
  };
}

/**
 * A new data directory, made by PGlite in a process of its own. PGlite runs initdb in a second
 * PostgreSQL instance and a WebAssembly initdb beside it, and copies the result through tarballs in
 * memory; in the gateway's process that left ~450 MB resident until a full collection, and ~60 MB
 * of malloc's heap for good. A child process gives all of it back when it exits.
 */
async function createDataDir(dataDir: string): Promise<void> {
  const pglite = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); await (await PGlite.create(${JSON.stringify(dataDir)})).close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], { env: process.env });
}
