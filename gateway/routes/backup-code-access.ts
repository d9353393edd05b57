/** Who may see the backup-code statistics page and its partial (SECURITY D2: admins with their second factor). */
import { isAdminRole } from '../admin/permissions.js';
import type { SessionView } from '../session/store.js';

export type AdminAccess = 'anonymous' | 'forbidden' | 'allowed';

export function backupCodeStatsAccess(session: SessionView | null | undefined): AdminAccess {
  if (!session) return 'anonymous';
  if (!isAdminRole(session.user.role) || session.authLevel < 2 || session.restricted) return 'forbidden';
  return 'allowed';
}
