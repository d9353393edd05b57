import { loadBackupCodeStats } from '../factors/backup-codes.js';
import type { RouteDeps } from './deps.js';
import { backupCodeStats } from './api/operations.js';
import { createApiApp, type Guard } from './api/api-app.js';

/**
 * `GET P/api/v1/backup-codes/stats` (CONTRACT §5), for an admin session with a second factor or an
 * admin's API token; mounted by the API (routes/api/v1.ts), whose guard and error format it takes.
 */
export function backupCodeApiRoutes(deps: RouteDeps, guarded: Guard) {
  const app = createApiApp();

  app.openapi(guarded(backupCodeStats), async (c) => {
    const stats = await loadBackupCodeStats(deps.db, {
      policy: deps.policies.current().policy, timeZone: deps.config.server.time_zone, now: deps.clock.now(),
    });
    return c.json({
      users_with_codes: stats.usersWithCodes,
      low_on_codes: stats.lowOnCodes,
      used_today: stats.usedToday,
      used_this_month: stats.usedThisMonth,
    }, 200);
  });

  return app;
}
