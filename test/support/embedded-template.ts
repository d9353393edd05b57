import { openStorage, type Storage } from '../../db/client.js';

/** A new in-memory PGlite database with every migration applied, as a data directory dump. */
export async function createMigratedEmbeddedDump(): Promise<Buffer> {
  const storage = await openStorage({ databaseUrl: '', dataDir: 'memory://' });
  try {
    await storage.migrate();
    return Buffer.from(await (await dumpEmbedded(storage)).arrayBuffer());
  } finally {
    await storage.close();
  }
}

function dumpEmbedded(storage: Storage): Promise<Blob> {
  if (!storage.dumpDataDir) throw new Error('only embedded storage can be dumped');
  return storage.dumpDataDir();
}
