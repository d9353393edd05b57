import fs from 'node:fs';
import path from 'node:path';

/**
 * The running gateway marks an embedded data directory as its own (its pid in `gateway.pid`) before
 * it opens it, so a CLI command that arrives before the admin socket is up waits for the socket
 * instead of opening the single-process database a second time.
 */
export function ownerFile(dataDir: string): string {
  return path.join(dataDir, 'gateway.pid');
}

export function claimDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = ownerFile(dataDir);
  fs.writeFileSync(file, String(process.pid), { mode: 0o600 });
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}

/** True when a live process other than this one holds the data directory. */
export function dataDirOwnedByOther(dataDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(ownerFile(dataDir), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
