import { Hono, type Context } from 'hono';
import { RequestDetailPage } from '../../../views/pages/admin/request-detail.js';
import { RequestsPage } from '../../../views/pages/admin/requests.js';
import { AdminMessagePage } from '../../../views/pages/admin/message.js';
import { RequestsTable } from '../../../views/partials/admin/requests-table.js';
import { findRequestWithAccount, listRecoveryRequests } from '../../../db/queries/admin.js';
import { recentAuditEventsOf } from '../../../db/queries/assistance.js';
import {
  cancelRequest, generateRecoveryCodeForRequest, resetUserSecondFactor, sendAccessEmail, sendRecoveryCodeEmail, type ActionFailure,
} from '../../admin/actions.js';
import { pageOf, requestCursor } from '../../admin/cursor.js';
import { parseRequestQuery } from '../../admin/filters.js';
import { mayUseOn, permissionRules, describeRefusal } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { REFERENCE_ID_PATTERN } from '../../security/codes.js';
import { accountActionAvailability, postedFields } from './availability.js';
import { adminRefusal, type AdminPass, type Guards } from '../guards/index.js';
import { failureMessage, failureStatus, NOTICES } from './outcomes.js';
import { pokeDelivery } from './poke.js';

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
const REFERENCE = `:reference{${REFERENCE_ID_PATTERN}}`;
const ACTIONS = ':action{generate-code|send-recovery-code|send-access-email|reset-2fa|cancel}';
const RECENT_EVENTS = 10;
const OPEN = new Set(['pending', 'approved']);

/** `P/admin/requests`: the queue, its htmx table, one request's detail, and the actions on it. */
export function adminRequestRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const prefix = deps.config.server.prefix;
  const timeZone = deps.config.server.time_zone;
  const app = new Hono<AppEnv>();

  async function queue(c: Ctx) {
    const parsed = parseRequestQuery(c.req.query(), PAGE_SIZE + 1, 'pending');
    const filter = parsed.ok ? parsed.value : { status: 'pending' as const, type: null, after: null, limit: PAGE_SIZE + 1 };
    if (!parsed.ok) c.get('log').info({ event: 'admin.bad_filter', param: parsed.param }, 'request filter refused; showing the default');
    const page = pageOf(await listRecoveryRequests(deps.db, filter), PAGE_SIZE, requestCursor);
    return {
      prefix, timeZone, rows: page.items, nextCursor: page.nextCursor,
      filter: { status: filter.status ?? 'all', type: filter.type ?? 'all' },
      status: parsed.ok ? 200 as const : 400 as const,
    };
  }

  app.get('/admin/requests', requireAdmin('see_requests'), async (c) => {
    const { status, ...table } = await queue(c);
    return c.html(<RequestsPage {...c.var.admin.shell} {...table} />, status);
  });

  // The htmx fragment behind Refresh and the filters; the same guard as the page.
  app.get('/admin/requests/table', requireAdmin('see_requests', { back: () => `${prefix}/admin/requests` }), async (c) => {
    const { status, ...table } = await queue(c);
    return c.html(<RequestsTable {...table} />, status);
  });

  app.get(`/admin/requests/${REFERENCE}`, requireAdmin('see_requests'), async (c) => {
    const notice = NOTICES[c.req.query('notice') ?? ''] ?? null;
    return renderDetail(c, c.var.admin, c.req.param('reference'), { notice });
  });

  // The action's own capability (and its fresh second factor) is checked by the action itself.
  app.post(`/admin/requests/${REFERENCE}/${ACTIONS}`, requireAdmin('see_requests'), async (c) => {
    const reference = c.req.param('reference');
    const action = c.req.param('action');
    const detailPath = `${prefix}/admin/requests/${reference}`;
    const pass = c.var.admin;
    const fields = postedFields(await c.req.parseBody());
    const { who } = pass;
    const outcome = action === 'generate-code' ? await generateRecoveryCodeForRequest(deps, who, reference, fields)
      : action === 'send-recovery-code' ? await sendRecoveryCodeEmail(deps, who, { reference }, fields)
        : action === 'send-access-email' ? await sendAccessEmail(deps, who, { reference }, fields)
          : action === 'reset-2fa' ? await resetUserSecondFactor(deps, who, { reference }, fields)
            : await cancelRequest(deps, who, reference, fields);
    const log = c.get('log');
    if (!outcome.ok) {
      log.info({ event: 'admin.action_refused', action, reference, outcome }, 'administrator action refused');
      return refused(c, pass, reference, outcome, detailPath);
    }
    log.info({ event: 'admin.action', action, reference }, 'administrator action done');
    await pokeDelivery(deps.delivery, c);
    const notice = action === 'cancel' ? 'cancelled' : action === 'reset-2fa' ? 'reset' : action === 'send-access-email' ? 'access_sent' : 'code_sent';
    return c.redirect(`${detailPath}?notice=${notice}`, 303);
  });

  function refused(c: Ctx, pass: AdminPass, reference: string, failure: ActionFailure, detailPath: string) {
    if (failure.reason === 'forbidden' && failure.refusal === 'second_factor_required') return adminRefusal(c, pass.shell, failure.refusal, detailPath);
    return renderDetail(c, pass, reference, { error: failureMessage(failure, 'request'), status: failureStatus(failure) });
  }

  async function renderDetail(c: Ctx, pass: AdminPass, reference: string, options: { error?: string; notice?: string | null; status?: 200 | 400 | 403 | 404 | 409 }) {
    const found = await findRequestWithAccount(deps.db, reference);
    if (!found) {
      return c.html(<AdminMessagePage {...pass.shell} section="requests" title="Not found" message="There is no request with this reference." link={{ href: `${prefix}/admin/requests`, label: 'All requests' }} />, 404);
    }
    const { request, user } = found;
    const { policy } = deps.policies.current();
    const rules = permissionRules(policy);
    const nowMs = deps.clock.nowMs();
    const open = OPEN.has(request.status);
    const cancelCheck = user ? mayUseOn(pass.who.actor, 'cancel_request', rules, pass.who.credential, nowMs, user, pass.shell.superAdmins) : { ok: true as const };
    return c.html(
      <RequestDetailPage
        {...pass.shell} request={request} timeZone={timeZone} reasons={policy.recovery.reasons}
        account={user ? { id: user.id, name: user.name, email: user.email, role: user.role, type: user.type, active: user.active, hasPhone: Boolean(user.phone) } : null}
        recentEvents={user ? await recentAuditEventsOf(deps.db, user.id, RECENT_EVENTS) : []}
        actions={open && user && user.active ? {
          base: `${prefix}/admin/requests/${request.reference}`, onRequest: true,
          sms: Boolean(user.phone && deps.config.sms.webhook_url),
          unavailable: accountActionAvailability(pass, rules, nowMs, user),
        } : null}
        cancel={open ? { unavailable: cancelCheck.ok ? null : describeRefusal(cancelCheck.refusal) } : null}
        error={options.error ?? null} notice={options.notice ?? null}
      />,
      options.status ?? 200,
    );
  }

  return app;
}
