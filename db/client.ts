import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.js';

/** One drizzle type for both drivers, so every query is written once. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle; queries take `Database | Tx` as their executor. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Executor = Database | Tx;

export interface Storage {
  db: Database;
  kind: 'postgres' | 'embedded';
  /** Applies the migrations in `migrationsFolder` (default: db/migrations) not yet applied. */
  migrate(migrationsFolder?: string): Promise<void>;
  /** Throws when the database cannot answer (readiness, fail-closed checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Embedded only: the data directory as a tarball, for `loadDataDir` (tests start from a migrated one). */
  dumpDataDir?(): Promise<Blob>;
}

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenStorageOptions {
  databaseUrl: string;
  /** Embedded data directory; `memory://` keeps it in memory (tests). */
  dataDir: string;
  /** Embedded only: a migrated data directory dump to start from (tests). */
  loadDataDir?: Blob;
  /** Embedded only: PostgreSQL's shared_buffers (`storage.embedded_shared_buffers`); db/embedded.ts has the default. */
  embeddedSharedBuffers?: string;
  poolSize?: number;
}

export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  if (options.databaseUrl) return openPostgres(options);
  const { openEmbedded } = await import('./embedded.js');
  return openEmbedded(options);
}

async function openPostgres(options: OpenStorageOptions): Promise<Storage> {
  const { default: pg } = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    // Without a statement timeout a hung server would hold requests forever instead of failing closed.
    statement_timeout: 10_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    migrate: (migrationsFolder = MIGRATIONS_DIR) => migrate(drizzle({ client: pool, schema }), { migrationsFolder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

/** Rows of a raw `db.execute(sql…)`: node-postgres and PGlite both answer with `.rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
