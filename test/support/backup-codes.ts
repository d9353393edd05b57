/** A user's backup-code set made and revealed through the domain functions (no HTTP): the codes. */
import type { Storage } from '../../db/client.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import type { TestGateway } from './gateway.js';

export async function seedBackupCodes(gw: TestGateway, storage: Storage, userId: string): Promise<string[]> {
  const deps = { config: gw.config, clock: gw.clock, policies: gw.running.policies };
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
  const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
  if (!shown.ok) throw new Error(shown.reason);
  return shown.codes;
}
