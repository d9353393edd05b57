/** Who may see the backup-code pages and statistics; shared by the page and JSON routes. */
import type { SessionView } from '../session/store.js';

const ADMIN_ROLES: ReadonlySet<string> = new Set(['super_admin', 'owner', 'admin']);

export type AdminAccess = 'anonymous' | 'forbidden' | 'allowed';

/** Statistics need an administrator signed in with their second factor (SECURITY D2). */
export function backupCodeStatsAccess(session: SessionView | null | undefined): AdminAccess {
  if (!session) return 'anonymous';
  if (!ADMIN_ROLES.has(session.user.role) || session.authLevel < 2 || session.restricted) return 'forbidden';
  return 'allowed';
}

/** The signed-in user as the page header shows them. */
export function headerUserOf(session: SessionView): { email: string; name: string; isAdmin: boolean } {
  return { email: session.user.email, name: session.user.name, isAdmin: ADMIN_ROLES.has(session.user.role) };
}

/** A gateway path with an optional `rd` carried along. */
export function withRd(path: string, rd: string | undefined | null): string {
  return rd ? `${path}?rd=${encodeURIComponent(rd)}` : path;
}
