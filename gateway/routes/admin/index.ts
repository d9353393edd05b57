import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { adminAuditRoutes } from './audit.js';
import { createGuards } from '../guards/index.js';
import { adminOverviewRoutes } from './overview.js';
import { adminRequestRoutes } from './requests.js';
import { adminSettingsRoutes } from './settings.js';
import { adminUserManageRoutes } from './user-manage.js';
import { adminUserPickerRoutes } from './user-picker.js';
import { adminUserRoutes } from './users.js';

/**
 * The dashboard (issue 7): `P/admin`, `P/admin/requests`, `P/admin/users`, `P/admin/audit`,
 * `P/admin/settings`. Every page and form goes through `requireAdmin` (routes/guards); `P/admin/backup-codes` and `P/admin/policies` live in
 * their own route groups.
 */
export function adminRoutes(deps: RouteDeps) {
  const guards = createGuards(deps);
  const app = new Hono<AppEnv>();
  app.route('/', adminOverviewRoutes(deps, guards));
  app.route('/', adminRequestRoutes(deps, guards));
  app.route('/', adminUserRoutes(deps, guards));
  app.route('/', adminUserManageRoutes(deps, guards));
  app.route('/', adminAuditRoutes(deps, guards));
  app.route('/', adminSettingsRoutes(deps, guards));
  app.route('/', adminUserPickerRoutes(deps, guards));
  return app;
}
