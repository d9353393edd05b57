import { Hono } from 'hono';
import { loadBackupCodeStats } from '../factors/backup-codes.js';
import type { AppEnv } from '../http/env.js';
import { backupCodeStatsAccess } from './backup-code-access.js';
import type { RouteDeps } from './deps.js';

/**
 * `GET P/api/v1/backup-codes/stats` (CONTRACT §5). Session only for now; API tokens join when
 * they land. Errors are `{error: {code, message}}`.
 */
export function backupCodeApiRoutes(deps: RouteDeps) {
  const app = new Hono<AppEnv>();

  app.get('/backup-codes/stats', async (c) => {
    const session = c.get('session');
    const access = backupCodeStatsAccess(session);
    if (access === 'anonymous') return c.json({ error: { code: 'unauthenticated', message: 'Sign in first.' } }, 401);
    if (access === 'forbidden') {
      c.get('log').info({ event: 'api.refused', path: c.req.path, role: session?.user.role, level: session?.authLevel }, 'backup-code statistics refused');
      return c.json({ error: { code: 'forbidden', message: 'You do not have permission for this.' } }, 403);
    }
    const stats = await loadBackupCodeStats(deps.db, {
      policy: deps.policies.current().policy, timeZone: deps.config.server.time_zone, now: deps.clock.now(),
    });
    return c.json({
      users_with_codes: stats.usersWithCodes,
      low_on_codes: stats.lowOnCodes,
      used_today: stats.usedToday,
      used_this_month: stats.usedThisMonth,
    });
  });

  return app;
}
