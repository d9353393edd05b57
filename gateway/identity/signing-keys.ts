import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Executor } from '../../db/client.js';
import { insertSigningKey, lockSigningKeys, retireSigningKeys, signingKeysAt } from '../../db/queries/signing-keys.js';
import type { SigningKeyRow } from '../../db/schema/index.js';
import { deriveKey } from '../security/hash.js';
import { openSecret, sealSecret } from '../security/secret-box.js';
import { PUBLISH_LEAD_MS, RETIRED_KEY_PUBLISHED_MS } from './timing.js';

export const ASSERTION_ALGORITHM = 'ES256';

const sealingKey = (serverSecret: string) => deriveKey(serverSecret, 'assertion-signing-key');

/** A new P-256 key pair as a row: the public JWK with its RFC 7638 thumbprint as `kid`, the private JWK sealed under that kid. */
async function newSigningKey(serverSecret: string, now: Date, signsFrom: Date): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(ASSERTION_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    algorithm: ASSERTION_ALGORITHM,
    publicJwk: { ...publicJwk, kid, alg: ASSERTION_ALGORITHM, use: 'sig' } as unknown as Record<string, string>,
    privateKeySealed: sealSecret(sealingKey(serverSecret), JSON.stringify(privateJwk), kid),
    createdAt: now,
    signsFrom,
    retiredAt: null,
    publishedUntil: null,
  };
}

/** The private key of a row, or undefined when it does not open (another server secret, tampering). */
export async function openSigningKey(serverSecret: string, row: SigningKeyRow): Promise<CryptoKey | undefined> {
  const opened = openSecret(sealingKey(serverSecret), row.privateKeySealed, row.kid);
  if (!opened) return undefined;
  return await importJWK(JSON.parse(opened) as JWK, ASSERTION_ALGORITHM) as CryptoKey;
}

/**
 * Makes sure a key signs at `now`: the first start creates one that signs at once (no verifier
 * can hold an older one). Serialised across instances, so two starting together agree on one key.
 */
export async function ensureSigningKey(tx: Executor, serverSecret: string, now: Date): Promise<void> {
  await lockSigningKeys(tx);
  if ((await signingKeysAt(tx, now)).length > 0) return;
  await insertSigningKey(tx, await newSigningKey(serverSecret, now, now));
}

export interface Rotation {
  kid: string;
  signsFrom: Date;
  retired: string[];
  publishedUntil: Date;
}

/**
 * Starts a new key: published now, signing after PUBLISH_LEAD_MS (or at once with `immediately`,
 * for a key that must stop signing now, or when none signs yet); every key that would sign after
 * that (the current one, a successor still waiting) stops then and stays published until its last
 * assertion has expired.
 */
export async function rotateSigningKey(tx: Executor, serverSecret: string, now: Date, options: { immediately: boolean }): Promise<Rotation> {
  await lockSigningKeys(tx);
  // With no key signing yet no verifier holds one, so the first key signs at once.
  const atOnce = options.immediately || (await signingKeysAt(tx, now)).length === 0;
  const signsFrom = new Date(now.getTime() + (atOnce ? 0 : PUBLISH_LEAD_MS));
  const publishedUntil = new Date(signsFrom.getTime() + RETIRED_KEY_PUBLISHED_MS);
  const retired = await retireSigningKeys(tx, signsFrom, publishedUntil);
  const row = await newSigningKey(serverSecret, now, signsFrom);
  await insertSigningKey(tx, row);
  return { kid: row.kid, signsFrom, retired, publishedUntil };
}
