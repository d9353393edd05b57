import { Hono } from 'hono';
import { PICKER_ID, UserPicker, UserPickerResults } from '../../../views/partials/admin/user-picker.js';
import { findUserById } from '../../../db/queries/users.js';
import { searchUsers } from '../../../db/queries/admin-users.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import type { Guards } from '../guards/index.js';

// A short list to pick from; a longer one means "type more".
const MATCHES = 8;
const MAX_QUERY = 200;

/**
 * The user picker's two htmx fragments (issue 28 item 7), for any dashboard form: the users
 * matching a name or email, and the picker redrawn with one chosen. Both show what the users list
 * already shows every administrator, so they need the dashboard and nothing more.
 */
export function adminUserPickerRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const url = `${deps.config.server.prefix}/admin/user-picker`;
  const app = new Hono<AppEnv>();
  const guard = requireAdmin('dashboard', { back: () => `${deps.config.server.prefix}/admin` });

  app.get('/admin/user-picker', guard, async (c) => {
    const picker = c.req.query('picker') ?? '';
    if (!PICKER_ID.test(picker)) return c.text('Unknown picker.', 400);
    // htmx sends the box's own field (`on_behalf_of`); `q` for any other caller.
    const q = (c.req.query('q') ?? c.req.query('on_behalf_of') ?? '').trim().slice(0, MAX_QUERY);
    const users = q ? await searchUsers(deps.db, { q, role: null, type: null, status: 'active', after: null, limit: MATCHES }) : [];
    return c.html(<UserPickerResults url={url} picker={picker} q={q} users={users} />);
  });

  app.get('/admin/user-picker/pick', guard, async (c) => {
    const picker = c.req.query('picker') ?? '';
    if (!PICKER_ID.test(picker)) return c.text('Unknown picker.', 400);
    const id = c.req.query('id') ?? '';
    const user = /^[0-9a-f-]{36}$/i.test(id) ? await findUserById(deps.db, id.toLowerCase()) : undefined;
    if (!user || !user.active) return c.html(<UserPicker url={url} id={picker} />, 404);
    return c.html(<UserPicker url={url} id={picker} value={user.email} picked={{ id: user.id, name: user.name, email: user.email }} />);
  });

  return app;
}
