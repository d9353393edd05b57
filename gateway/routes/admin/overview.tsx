import { Hono } from 'hono';
import { OverviewPage } from '../../../views/pages/admin/overview.js';
import { countPendingRequests } from '../../../db/queries/admin.js';
import { latestAuditRowsOf } from '../../../db/queries/admin-audit.js';
import { hasDataProtection, permissionRules } from '../../admin/permissions.js';
import { loadBackupCodeStats } from '../../factors/backup-codes.js';
import type { AppEnv } from '../../http/env.js';
import { dailySeries, seriesStart } from '../../admin/daily-series.js';
import { lockoutsPerDay, requestsPerDay } from '../../../db/queries/daily-counts.js';
import type { RouteDeps } from '../deps.js';
import type { Guards } from '../guards/index.js';

const RECENT_ACTIVITY = 10;
// The chart's span: a month shows an attack wave against its ordinary weeks.
const CHART_DAYS = 30;
// The steps of a recovery, from the request to its end (CONTRACT §6).
const RECOVERY_EVENTS = [
  'assistance.submitted', 'recovery_request.code_generated', 'recovery_request.cancelled', 'recovery_request.completed',
  'recovery_code.used', 'access_email.sent', 'password.reset', 'second_factor.reset', 'backup_code.used', 'email_otp.used',
] as const;

/** `P/admin`: pending requests, recent recovery activity, backup-code numbers, the policy in force. */
export function adminOverviewRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const app = new Hono<AppEnv>();

  app.get('/admin', requireAdmin('dashboard'), async (c) => {
    const pass = c.var.admin;
    const snapshot = deps.policies.current();
    const mayRead = hasDataProtection(pass.who.actor, permissionRules(snapshot.policy));
    const timeZone = deps.config.server.time_zone;
    const now = deps.clock.now();
    const stats = await loadBackupCodeStats(deps.db, { policy: snapshot.policy, timeZone, now });
    const since = seriesStart(now, CHART_DAYS);
    const daily = dailySeries(now, CHART_DAYS, timeZone, {
      requests: mayRead ? await requestsPerDay(deps.db, since, timeZone) : new Map(),
      lockouts: await lockoutsPerDay(deps.db, since, timeZone),
    });
    return c.html(
      <OverviewPage
        {...pass.shell} stats={stats} timeZone={timeZone} daily={daily}
        lowThreshold={snapshot.policy.factors.backup_codes.low_threshold}
        pendingRequests={mayRead ? await countPendingRequests(deps.db) : null}
        recentActivity={mayRead ? await latestAuditRowsOf(deps.db, RECOVERY_EVENTS, RECENT_ACTIVITY) : null}
        policy={{ version: snapshot.version, loadedAt: snapshot.loadedAt, files: snapshot.files, lastError: snapshot.lastError }}
      />,
    );
  });

  return app;
}
