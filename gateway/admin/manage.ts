/**
 * Managing administrators' permissions from the dashboard: the data-protection level and expert
 * mode (CONTRACT §7), by owners and super_admins only, never on their own account, audited.
 */
import type { Database } from '../../db/client.js';
import { countActiveSuperAdmins } from '../../db/queries/admin.js';
import { findUserById, updateUser } from '../../db/queries/users.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import type { Policy } from '../policy/schema.js';
import type { ActingAdmin } from './actions.js';
import { mayUseOn, permissionRules, type Refusal } from './permissions.js';

/** Levels as `recourse user set-role --data-protection` accepts them. */
export const MAX_DATA_PROTECTION_LEVEL = 9;

export type ManageOutcome =
  | { ok: true; changed: boolean }
  | { ok: false; reason: 'forbidden'; refusal: Refusal }
  | { ok: false; reason: 'invalid'; field: 'data_protection_level' | 'expert_mode' }
  | { ok: false; reason: 'not_found' };

export async function setAdminPermissions(
  deps: { db: Database; clock: Clock; policies: { current(): { policy: Policy } }; config: { session: { secret: string } } },
  who: ActingAdmin,
  userId: string,
  input: { dataProtectionLevel: unknown; expertMode: unknown },
): Promise<ManageOutcome> {
  const level = typeof input.dataProtectionLevel === 'number' ? input.dataProtectionLevel : Number.NaN;
  if (!Number.isInteger(level) || level < 0 || level > MAX_DATA_PROTECTION_LEVEL) return { ok: false, reason: 'invalid', field: 'data_protection_level' };
  if (typeof input.expertMode !== 'boolean') return { ok: false, reason: 'invalid', field: 'expert_mode' };
  const expertMode = input.expertMode;
  return deps.db.transaction(async (tx): Promise<ManageOutcome> => {
    const target = await findUserById(tx, userId);
    const rules = permissionRules(deps.policies.current().policy);
    if (!target) {
      // Refuse a non-manager before telling them whether the id exists.
      const check = mayUseOn(who.actor, 'manage_admins', rules, who.credential, deps.clock.nowMs(), { id: '', role: 'admin' }, 2);
      return check.ok ? { ok: false, reason: 'not_found' } : { ok: false, reason: 'forbidden', refusal: check.refusal };
    }
    const check = mayUseOn(who.actor, 'manage_admins', rules, who.credential, deps.clock.nowMs(), target, await countActiveSuperAdmins(tx));
    if (!check.ok) return { ok: false, reason: 'forbidden', refusal: check.refusal };
    if (target.dataProtectionLevel === level && target.expertMode === expertMode) return { ok: true, changed: false };
    const now = deps.clock.now();
    await updateUser(tx, target.id, { dataProtectionLevel: level, expertMode }, now);
    await writeAudit(tx, deps.config.session.secret, {
      event: 'user.updated', at: now, actor: { userId: who.actor.id }, userId: target.id, ip: who.ip, requestId: who.requestId,
      details: {
        data_protection_level: { from: target.dataProtectionLevel, to: level },
        expert_mode: { from: target.expertMode, to: expertMode },
      },
    });
    return { ok: true, changed: true };
  });
}
