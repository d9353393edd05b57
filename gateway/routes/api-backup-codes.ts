import { Hono } from 'hono';
import { loadBackupCodeStats } from '../factors/backup-codes.js';
import type { AppEnv } from '../http/env.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';

/**
 * `GET P/api/v1/backup-codes/stats` (CONTRACT §5), for an admin session with a second factor or an
 * admin's API token. Errors are `{error: {code, message}}`.
 */
export function backupCodeApiRoutes(deps: RouteDeps) {
  const app = new Hono<AppEnv>();
  const { requireAdmin } = createGuards(deps);

  app.get('/backup-codes/stats', requireAdmin('dashboard', { answer: 'json' }), async (c) => {
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
