import { Hono } from 'hono';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { adminAuditRoutes } from './audit.js';
import { createAdminGate } from './gate.js';
import { adminOverviewRoutes } from './overview.js';
import { adminRequestRoutes } from './requests.js';
import { adminUserRoutes } from './users.js';

/**
 * The dashboard (issue 7): `P/admin`, `P/admin/requests`, `P/admin/users`, `P/admin/audit`. Every
 * page and form goes through one gate; `P/admin/backup-codes` and `P/admin/policies` live in
 * their own route groups.
 */
export function adminRoutes(deps: RouteDeps) {
  const gate = createAdminGate(deps);
  const app = new Hono<AppEnv>();
  app.route('/', adminOverviewRoutes(deps, gate));
  app.route('/', adminRequestRoutes(deps, gate));
  app.route('/', adminUserRoutes(deps, gate));
  app.route('/', adminAuditRoutes(deps, gate));
  return app;
}
