/**
 * Who hears about an assistance request (SECURITY A3, CONTRACT §7): active administrators holding
 * the data-protection permission at the policy's level, with an address mail can go to — nobody
 * else, and never the address typed into the form.
 */
import type { Executor } from '../../db/client.js';
import { listNotifiableAdmins, type AdminCandidate } from '../../db/queries/assistance.js';
import { isValidEmail } from '../core/email.js';

export type AssistanceRecipient = AdminCandidate;

export async function assistanceRecipients(db: Executor, dataProtectionLevel: number): Promise<AssistanceRecipient[]> {
  const candidates = await listNotifiableAdmins(db, dataProtectionLevel);
  // One message per address: two rows differing only in case would otherwise mail one inbox twice.
  const seen = new Set<string>();
  return candidates.filter((admin) => {
    const address = admin.email.trim().toLowerCase();
    if (!isValidEmail(admin.email.trim()) || seen.has(address)) return false;
    seen.add(address);
    return true;
  }).map((admin) => ({ ...admin, email: admin.email.trim() }));
}
