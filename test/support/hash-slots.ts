import { hashConcurrency, hashPassword, verifyPassword } from '../../gateway/security/password.js';

/**
 * Keeps every hash slot busy until stopped: each slot's check is followed at once by another, in
 * the same turn of the event loop, so no request of the test can slip into a slot between them.
 */
export async function occupyHashSlots(): Promise<() => Promise<void>> {
  const stored = await hashPassword('a password that keeps the slots busy');
  let running = true;
  const keepBusy = async () => {
    while (running) await verifyPassword(stored, 'not it');
  };
  const loops = Array.from({ length: hashConcurrency(process.env.UV_THREADPOOL_SIZE) }, keepBusy);
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}
