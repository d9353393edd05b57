import { deriveKey, hmacSha256 } from '../security/hash.js';

/** The chain's first row points at this instead of a predecessor. */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  id: number;
  at: Date;
  event: string;
  actorId: string | null;
  actorLabel: string | null;
  userId: string | null;
  ip: string | null;
  location: string | null;
  reason: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  prevHash: string;
}

const keys = new Map<string, Buffer>();

/** The chain's HMAC key, derived from the server secret (memoised: every audit write needs it). */
export function auditChainKey(serverSecret: string): Buffer {
  let key = keys.get(serverSecret);
  if (!key) {
    key = deriveKey(serverSecret, 'audit-chain');
    keys.set(serverSecret, key);
  }
  return key;
}

/**
 * HMAC-SHA256 over every field and the predecessor's hash (SECURITY U2). Keyed, so that someone
 * who can write to the database but does not hold the server secret cannot recompute the chain
 * after an edit. `details` is canonicalised (sorted keys) because jsonb does not keep key order,
 * so a row read back hashes the same as when written.
 */
export function hashAuditRow(key: Uint8Array, row: ChainedFields): string {
  return hmacSha256(key, JSON.stringify([
    row.id, row.at.toISOString(), row.event, row.actorId, row.actorLabel, row.userId,
    row.ip, row.location, row.reason, canonical(row.details), row.requestId, row.prevHash,
  ]));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}
