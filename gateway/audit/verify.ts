import { asc, gt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { GENESIS_HASH, hashAuditRow } from './chain.js';

export type ChainCheck =
  | { ok: true; rows: number; lastHash: string }
  | { ok: false; rows: number; brokenAt: number; problem: string };

const PAGE = 5_000;

/**
 * Walks the audit chain in id order, recomputing each row's hash: an edited, deleted or inserted
 * row breaks the chain at the first row whose content or predecessor no longer matches (SECURITY U2).
 */
export async function verifyAuditChain(db: Executor): Promise<ChainCheck> {
  let previous = { id: 0, hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const page = await db.select().from(auditLog).where(gt(auditLog.id, previous.id)).orderBy(asc(auditLog.id)).limit(PAGE);
    for (const row of page) {
      if (row.id !== previous.id + 1) return { ok: false, rows, brokenAt: row.id, problem: `row ${previous.id + 1} is missing` };
      if (row.prevHash !== previous.hash) return { ok: false, rows, brokenAt: row.id, problem: 'does not point at its predecessor' };
      if (hashAuditRow(row) !== row.hash) return { ok: false, rows, brokenAt: row.id, problem: 'content does not match its hash' };
      previous = { id: row.id, hash: row.hash };
      rows++;
    }
    if (page.length < PAGE) return { ok: true, rows, lastHash: previous.hash };
  }
}
