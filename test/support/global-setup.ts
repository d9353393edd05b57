/**
 * Once per `npm test` run, before any test file: with embedded storage, a freshly created and
 * migrated in-memory PGlite is dumped to a temporary file that every test file's storage starts
 * from (test/support/storage.ts). Creating a PGlite database (initdb inside WebAssembly) took ~5 s
 * per file on a slow VM; starting from the dump takes ~2 s. Each file still gets its own database
 * and still runs the migrator, which finds nothing left to do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStorage } from '../../db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite data directory dump (a file path), or '' with PostgreSQL storage. */
    embeddedTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('embeddedTemplate', '');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-test-template-'));
  const file = path.join(dir, 'migrated.tar');
  const storage = await openStorage({ databaseUrl: '', dataDir: 'memory://' });
  try {
    await storage.migrate();
    fs.writeFileSync(file, Buffer.from(await (await storage.dumpDataDir!()).arrayBuffer()));
  } finally {
    await storage.close();
  }
  project.provide('embeddedTemplate', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
