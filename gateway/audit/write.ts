import { desc, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import type { AuditEvent } from './events.js';
import { auditChainKey, GENESIS_HASH, hashAuditRow } from './chain.js';

export interface AuditEntry {
  event: AuditEvent;
  at: Date;
  /** A user id, or `cli` / `system` when no signed-in user acted. */
  actor: { userId: string } | 'cli' | 'system' | null;
  userId?: string | null;
  ip?: string | null;
  location?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
}

type AuditObserver = (entry: AuditEntry) => void;
const observers = new Set<AuditObserver>();

/** Metrics watch the audit stream instead of being sprinkled over every handler. */
export function observeAudit(observer: AuditObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

// Any constant works; it names the lock that serialises appends to the chain.
const AUDIT_CHAIN_LOCK = 727_001;

/**
 * Appends one row to the hash chain. Call it inside the transaction whose outcome it records
 * (SECURITY F2): the advisory lock is held until that transaction ends, so concurrent writers
 * queue rather than fork the chain, and a rolled-back action leaves no audit row.
 * `serverSecret` (session.secret) keys the chain: without it no row can be rewritten unnoticed.
 */
export async function writeAudit(tx: Executor, serverSecret: string, entry: AuditEntry): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const row = {
    id: (last?.id ?? 0) + 1,
    at: entry.at,
    event: entry.event,
    actorId: entry.actor && typeof entry.actor === 'object' ? entry.actor.userId : null,
    actorLabel: typeof entry.actor === 'string' ? entry.actor : null,
    userId: entry.userId ?? null,
    ip: entry.ip ?? null,
    location: entry.location ?? null,
    reason: entry.reason ?? null,
    details: entry.details ?? {},
    requestId: entry.requestId ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await tx.insert(auditLog).values({ ...row, hash: hashAuditRow(auditChainKey(serverSecret), row) });
  for (const observer of observers) observer(entry);
}

/** An audit row on its own, for events that change nothing else. */
export function recordAudit(db: Executor, serverSecret: string, entry: AuditEntry): Promise<void> {
  return db.transaction((tx) => writeAudit(tx, serverSecret, entry));
}
