import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { createUser, findUserByEmail, updateUser } from '../../db/queries/users.js';
import { users } from '../../db/schema/index.js';
import { writeAudit } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import { issuePasswordLink, passwordLinkUrl } from './password-links.js';

export const SETUP_LINK_TTL_MS = 3_600_000;

export interface BootstrapOutcome {
  userId: string;
  email: string;
  created: boolean;
  /** Raw token of the one-time setup link (valid one hour). */
  token: string;
}

/** Creates (or promotes) a super_admin and issues a one-time setup link, audited with actor `cli`/`system`. */
export async function bootstrapAdmin(db: Database, clock: Clock, serverSecret: string, email: string, actor: 'cli' | 'system'): Promise<BootstrapOutcome> {
  return db.transaction(async (tx) => {
    const now = clock.now();
    const existing = await findUserByEmail(tx, email);
    let userId: string;
    let created = false;
    if (existing) {
      await updateUser(tx, existing.id, { role: 'super_admin', active: true }, now);
      userId = existing.id;
    } else {
      const outcome = await createUser(tx, { email, name: 'Administrator', role: 'super_admin', type: 'employee' }, now);
      if (!outcome.ok) throw new Error('duplicate email');
      userId = outcome.user.id;
      created = true;
    }
    const token = await issuePasswordLink(tx, { userId, purpose: 'admin_setup', ttlMs: SETUP_LINK_TTL_MS, now });
    await writeAudit(tx, serverSecret, { event: 'admin.bootstrapped', at: now, actor, userId, details: { created } });
    return { userId, email: existing?.email ?? email, created, token };
  });
}

/** A super_admin who has never set a password: the fresh-install state that gets a setup link. */
export async function pendingSuperAdmin(db: Database) {
  const admins = await db.select().from(users).where(eq(users.role, 'super_admin'));
  if (admins.length === 0) return { none: true as const };
  const unset = admins.find((admin) => !admin.passwordHash);
  return admins.some((admin) => admin.passwordHash) ? { none: false as const } : { none: false as const, unset };
}

export function setupLink(publicUrl: string, prefix: string, token: string): string {
  return passwordLinkUrl(publicUrl, prefix, token);
}
