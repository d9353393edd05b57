import type { JWK } from 'jose';
import type { Database } from '../../db/client.js';
import { publishedSigningKeys } from '../../db/queries/signing-keys.js';
import type { SigningKeyRow } from '../../db/schema/index.js';
import type { Clock } from '../core/clock.js';
import { ensureSigningKey, openSigningKey } from './signing-keys.js';
import { KEYRING_REFRESH_MS } from './timing.js';

export interface Signer {
  kid: string;
  key: CryptoKey;
}

/**
 * This instance's view of the shared key set (CONTRACT §8.2): read from the database at most once
 * per KEYRING_REFRESH_MS (injected clock), one read at a time. It signs with the newest key whose
 * `signs_from` has come and that is not retired, and publishes every key still in the set.
 */
export function createKeyring(deps: { db: Database; clock: Clock; serverSecret: string }) {
  let rows: SigningKeyRow[] = [];
  let readAtMs = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  const opened = new Map<string, Promise<CryptoKey | undefined>>();

  function read(): Promise<void> {
    reading ??= (async () => {
      try {
        const now = deps.clock.now();
        await deps.db.transaction((tx) => ensureSigningKey(tx, deps.serverSecret, now));
        rows = await publishedSigningKeys(deps.db, now);
        readAtMs = deps.clock.nowMs();
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  async function fresh(): Promise<SigningKeyRow[]> {
    if (deps.clock.nowMs() - readAtMs >= KEYRING_REFRESH_MS) await read();
    return rows;
  }

  function signingRow(now: number): SigningKeyRow | undefined {
    return rows.find((row) => row.signsFrom.getTime() <= now && (row.retiredAt === null || row.retiredAt.getTime() > now));
  }

  return {
    /** The key to sign with now; throws when the store cannot be read or the key does not open (fail closed). */
    async signer(): Promise<Signer> {
      await fresh();
      let row = signingRow(deps.clock.nowMs());
      if (!row) {
        // The key this instance knew has retired and it has not read its successor yet.
        await read();
        row = signingRow(deps.clock.nowMs());
      }
      if (!row) throw new Error('no assertion signing key signs now');
      let key = opened.get(row.kid);
      if (!key) opened.set(row.kid, key = openSigningKey(deps.serverSecret, row));
      const cryptoKey = await key;
      if (!cryptoKey) throw new Error(`assertion signing key ${row.kid} does not open with this server secret`);
      return { kid: row.kid, key: cryptoKey };
    },
    /** The public keys for `P/.well-known/jwks.json`, those still published at the clock's now. */
    async publicKeys(): Promise<JWK[]> {
      const rows = await fresh();
      // Read after the key set: a first key made by this very read is created after a time taken before it.
      const now = deps.clock.nowMs();
      return rows
        .filter((row) => row.createdAt.getTime() <= now && (row.publishedUntil === null || row.publishedUntil.getTime() > now))
        .map((row) => row.publicJwk as JWK);
    },
    /** Reads the key set again now (after `recourse keys rotate` in this process). */
    reload: read,
  };
}

export type Keyring = ReturnType<typeof createKeyring>;
