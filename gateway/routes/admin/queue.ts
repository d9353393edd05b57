/**
 * What the request queue shows beside each row (issue 28 items 3 and 4): the actions this
 * administrator is offered, and the account's other open requests, with one extra query per page.
 */
import type { Executor } from '../../../db/client.js';
import { openRequestsOf, type OpenRequest, type RequestQueueRow } from '../../../db/queries/admin.js';
import type { RowActions } from '../../../views/partials/admin/requests-table.js';
import { mayUse, type PermissionRules } from '../../admin/permissions.js';
import type { AdminPass } from '../guards/index.js';
import { unavailableReason } from './availability.js';

export const OPEN_STATUSES: ReadonlySet<string> = new Set(['pending', 'approved']);

/** Per reference, the other open requests of the same account. */
export function groupOtherOpen(rows: readonly { reference: string; userId: string | null }[], open: readonly OpenRequest[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of rows) {
    if (!row.userId) continue;
    const others = open.filter((other) => other.userId === row.userId && other.reference !== row.reference).map((other) => other.reference);
    if (others.length) out[row.reference] = others;
  }
  return out;
}

export async function queueExtras(db: Executor, pass: AdminPass, rules: PermissionRules, nowMs: number, rows: readonly RequestQueueRow[]) {
  const open = await openRequestsOf(db, rows.flatMap((row) => (row.userId ? [row.userId] : [])));
  const cancelling = mayUse(pass.who.actor, 'cancel_request', rules, pass.who.credential, nowMs).ok;
  const actions: Record<string, RowActions> = {};
  for (const row of rows) {
    if (!OPEN_STATUSES.has(row.status)) continue;
    const target = row.userId && row.role ? { id: row.userId, role: row.role } : null;
    actions[row.reference] = {
      // A request that matched no account can only be cancelled (SECURITY A3).
      generate: target !== null && unavailableReason(pass, 'issue_recovery_code', rules, nowMs, target) === null,
      cancel: cancelling && (target === null || unavailableReason(pass, 'cancel_request', rules, nowMs, target) === null),
    };
  }
  return { actions, otherOpen: groupOtherOpen(rows, open) };
}
