// The keyring's view of the shared signing keys (CONTRACT §8.2), on a clock that moves between
// reads as a real one does: the first key, made by the very request that asks for the key set, is
// published to that request (CI once saw an empty key set when the millisecond turned mid-request).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../gateway/core/clock.js';
import { createKeyring } from '../../gateway/identity/keyring.js';
import { TEST_SECRET } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

/** A clock one millisecond later at every reading. */
function tickingClock(startMs: number): Clock {
  let ms = startMs;
  return { nowMs: () => ++ms, now: () => new Date(++ms) };
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
beforeAll(async () => {
  storage = await openTestStorage();
});
afterAll(async () => {
  await storage?.close();
});

describe('the keyring on a database without keys', () => {
  it('publishes the first key to the request that made it, and signs with that key', async () => {
    const keyring = createKeyring({ db: storage.db, clock: tickingClock(Date.parse('2026-12-07T12:00:00Z')), serverSecret: TEST_SECRET });
    const published = await keyring.publicKeys();
    expect(published).toHaveLength(1);
    expect((await keyring.signer()).kid).toBe(published[0]!.kid);
  });
});
