/**
 * The account's other open requests, cancelled as duplicates of the one an administrator is
 * looking at (issue 28 item 4). Same checks as Cancel; the user is not emailed about each one, since
 * the request being handled already answers them. Each is audited `recovery_request.cancelled`
 * with `duplicate_of`, and a recovery code issued for one stops working.
 */
import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { countActiveSuperAdmins, lockRequest, setRequestStatus } from '../../db/queries/admin.js';
import { voidRequestRecoveryCodes } from '../../db/queries/recovery-codes.js';
import { findUserById } from '../../db/queries/users.js';
import { assistanceRequests } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import { describeLocation } from '../context/geoip.js';
import { fieldDetails, type ActionFieldsInput } from './action-fields.js';
import { checkCancel, type ActingAdmin, type ActionFailure, type AdminActionDeps } from './actions.js';
import { mayActOn } from './permissions.js';

export type DuplicatesCancelled = { ok: true; reference: string; cancelled: string[] };

/** Locks and returns the other open requests of this account. */
async function lockOtherOpenRequests(tx: Executor, userId: string, exceptId: string) {
  return tx.select().from(assistanceRequests)
    .where(and(eq(assistanceRequests.userId, userId), ne(assistanceRequests.id, exceptId), inArray(assistanceRequests.status, ['pending', 'approved'])))
    .orderBy(assistanceRequests.createdAt).for('update');
}

export async function cancelDuplicates(deps: AdminActionDeps, who: ActingAdmin, reference: string, input: ActionFieldsInput): Promise<DuplicatesCancelled | ActionFailure> {
  return deps.db.transaction(async (tx): Promise<DuplicatesCancelled | ActionFailure> => {
    const checked = await checkCancel(tx, deps, who, input);
    if (!checked.ok) return checked;
    const request = await lockRequest(tx, reference);
    if (!request) return { ok: false, reason: 'not_found' };
    const user = request.userId ? await findUserById(tx, request.userId) : undefined;
    if (!user) return { ok: false, reason: 'conflict', problem: 'no_account' };
    const over = mayActOn(who.actor, user, 'cancel_request', await countActiveSuperAdmins(tx));
    if (!over.ok) return { ok: false, reason: 'forbidden', refusal: over.refusal };
    const now = deps.clock.now();
    const location = describeLocation(deps.geoip.lookup(who.ip));
    const cancelled: string[] = [];
    for (const duplicate of await lockOtherOpenRequests(tx, user.id, request.id)) {
      const voided = await voidRequestRecoveryCodes(tx, duplicate.id, now);
      await setRequestStatus(tx, duplicate.id, { status: 'cancelled', closedReason: checked.fields.reason }, now);
      await writeAudit(tx, deps.config.session.secret, {
        event: 'recovery_request.cancelled', at: now, actor: { userId: who.actor.id }, userId: user.id, ip: who.ip, location,
        reason: checked.fields.reason, requestId: who.requestId,
        details: { reference: duplicate.reference, previous_status: duplicate.status, codes_voided: voided, duplicate_of: reference, ...fieldDetails(checked.fields) },
      });
      cancelled.push(duplicate.reference);
    }
    return { ok: true, reference, cancelled };
  });
}
