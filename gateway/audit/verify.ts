import { asc, gt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { auditChainKey, GENESIS_HASH, hashAuditRow } from './chain.js';

/** The newest row of the chain: record it outside the database to notice a cut-off tail later. */
export interface ChainHead {
  id: number;
  hash: string;
}

export type ChainCheck =
  | { ok: true; rows: number; head: ChainHead | null }
  | { ok: false; rows: number; brokenAt: number; problem: string };

const PAGE = 5_000;

/** `<id>:<hash>` as `audit verify` prints it. */
export function formatChainHead(head: ChainHead): string {
  return `${head.id}:${head.hash}`;
}

export function parseChainHead(text: string): ChainHead | undefined {
  const match = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { id: Number(match[1]), hash: match[2]! } : undefined;
}

/**
 * Walks the audit chain in id order, recomputing each row's keyed hash: an edited, deleted or
 * inserted row breaks the chain at the first row whose content or predecessor no longer matches
 * (SECURITY U2), and without the server secret nobody can recompute the rows after an edit. A
 * cut-off tail leaves a valid chain; `expectHead`, a head recorded earlier, catches that.
 */
export async function verifyAuditChain(db: Executor, serverSecret: string, options: { expectHead?: ChainHead } = {}): Promise<ChainCheck> {
  const key = auditChainKey(serverSecret);
  const expected = options.expectHead;
  let previous = { id: 0, hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const page = await db.select().from(auditLog).where(gt(auditLog.id, previous.id)).orderBy(asc(auditLog.id)).limit(PAGE);
    for (const row of page) {
      if (row.id !== previous.id + 1) return { ok: false, rows, brokenAt: row.id, problem: `row ${previous.id + 1} is missing` };
      if (row.prevHash !== previous.hash) return { ok: false, rows, brokenAt: row.id, problem: 'does not point at its predecessor' };
      if (hashAuditRow(key, row) !== row.hash) return { ok: false, rows, brokenAt: row.id, problem: 'content does not match its hash (edited, or written under another server secret)' };
      if (expected && row.id === expected.id && row.hash !== expected.hash) return { ok: false, rows, brokenAt: row.id, problem: 'differs from the recorded head' };
      previous = { id: row.id, hash: row.hash };
      rows++;
    }
    if (page.length < PAGE) break;
  }
  if (expected && previous.id < expected.id) {
    return { ok: false, rows, brokenAt: previous.id + 1, problem: `is missing: the log ends at row ${previous.id}, before the recorded head ${expected.id} (rows were cut off)` };
  }
  return { ok: true, rows, head: previous.id === 0 ? null : previous };
}
