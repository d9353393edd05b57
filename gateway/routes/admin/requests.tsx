import { Hono, type Context } from 'hono';
import { RequestConfirmPage } from '../../../views/pages/admin/request-confirm.js';
import { RequestsPage } from '../../../views/pages/admin/requests.js';
import { cancelEmailLine } from '../../../views/partials/admin/action-forms.js';
import { QueueConfirm } from '../../../views/partials/admin/queue-confirm.js';
import { RequestsTable } from '../../../views/partials/admin/requests-table.js';
import { findRequestWithAccount, listRecoveryRequests } from '../../../db/queries/admin.js';
import {
  cancelRequest, generateRecoveryCodeForRequest, resetUserSecondFactor, sendAccessEmail, sendRecoveryCodeEmail, type ActionFailure,
} from '../../admin/actions.js';
import { pageOf, requestCursor } from '../../admin/cursor.js';
import { cancelDuplicates } from '../../admin/duplicates.js';
import { parseRequestQuery } from '../../admin/filters.js';
import { permissionRules } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { REFERENCE_ID_PATTERN } from '../../security/codes.js';
import { postedFields, unavailableReason } from './availability.js';
import { adminRefusal, type AdminPass, type Guards } from '../guards/index.js';
import { failureMessage, failureStatus, NOTICES } from './outcomes.js';
import { pokeDelivery } from './poke.js';
import { OPEN_STATUSES, queueExtras } from './queue.js';
import { renderRequestDetail } from './request-detail.js';
import { actionParam, capabilityOfAction, REQUEST_ACTION_CAPABILITY } from './action-capabilities.js';

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
const REFERENCE = `:reference{${REFERENCE_ID_PATTERN}}`;
const ACTIONS = actionParam(REQUEST_ACTION_CAPABILITY);
const NOTICE_OF: Readonly<Record<string, string>> = {
  cancel: 'cancelled', 'cancel-duplicates': 'duplicates', 'reset-2fa': 'reset', 'send-access-email': 'access_sent',
};

/** `P/admin/requests`: the queue, its htmx table, a row's confirmation step, one request's page, and the actions on it. */
export function adminRequestRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const prefix = deps.config.server.prefix;
  const timeZone = deps.config.server.time_zone;
  const app = new Hono<AppEnv>();

  async function queue(c: Ctx, pass: AdminPass) {
    const parsed = parseRequestQuery(c.req.query(), PAGE_SIZE + 1, 'pending');
    const filter = parsed.ok ? parsed.value : { status: 'pending' as const, type: null, after: null, limit: PAGE_SIZE + 1 };
    if (!parsed.ok) c.get('log').info({ event: 'admin.bad_filter', param: parsed.param }, 'request filter refused; showing the default');
    const page = pageOf(await listRecoveryRequests(deps.db, filter), PAGE_SIZE, requestCursor);
    const { policy } = deps.policies.current();
    const nowMs = deps.clock.nowMs();
    return {
      prefix, timeZone, rows: page.items, nextCursor: page.nextCursor, nowMs, staleAfterMs: policy.recovery.assistance.stale_after,
      filter: { status: filter.status ?? 'all', type: filter.type ?? 'all' },
      ...await queueExtras(deps.db, pass, permissionRules(policy), nowMs, page.items),
      status: parsed.ok ? 200 as const : 400 as const,
    };
  }

  app.get('/admin/requests', requireAdmin('see_requests'), async (c) => {
    const { status, ...table } = await queue(c, c.var.admin);
    return c.html(<RequestsPage {...c.var.admin.shell} {...table} notice={NOTICES[c.req.query('notice') ?? ''] ?? null} />, status);
  });

  // The htmx fragment behind Refresh and the filters; the same guard as the page.
  app.get('/admin/requests/table', requireAdmin('see_requests', { back: () => `${prefix}/admin/requests` }), async (c) => {
    const { status, ...table } = await queue(c, c.var.admin);
    return c.html(<RequestsTable {...table} />, status);
  });

  // A queue row's confirmation step: a fragment for htmx, a page without JavaScript.
  app.get(`/admin/requests/${REFERENCE}/confirm/:action{generate-code|cancel}`, requireAdmin('see_requests'), async (c) => {
    const pass = c.var.admin;
    const reference = c.req.param('reference');
    const action = c.req.param('action') as 'generate-code' | 'cancel';
    const found = await findRequestWithAccount(deps.db, reference);
    if (!found || !OPEN_STATUSES.has(found.request.status) || (action === 'generate-code' && !found.user)) {
      return c.redirect(`${prefix}/admin/requests/${reference}`, 302);
    }
    const { request, user } = found;
    const { policy } = deps.policies.current();
    const capability = action === 'cancel' ? 'cancel_request' : 'issue_recovery_code';
    const why = user ? unavailableReason(pass, capability, permissionRules(policy), deps.clock.nowMs(), user) : null;
    if (why) return renderRequestDetail(deps, c, pass, reference, { error: why, status: 403 });
    const props = {
      reference, action, reasons: action === 'cancel' ? policy.recovery.cancel_reasons : policy.recovery.reasons,
      to: user ? { email: user.email, sms: Boolean(user.phone && deps.config.sms.webhook_url) } : undefined,
      emailLine: cancelEmailLine(user),
    };
    if (c.req.header('hx-request') === 'true') return c.html(<QueueConfirm prefix={prefix} csrfToken={pass.shell.csrfToken} {...props} />);
    return c.html(<RequestConfirmPage {...pass.shell} {...props} requester={user ? `${user.name || user.email} (${user.email})` : `${request.submittedEmail} (no account)`} />);
  });

  app.get(`/admin/requests/${REFERENCE}`, requireAdmin('see_requests'), async (c) => {
    const notice = NOTICES[c.req.query('notice') ?? ''] ?? null;
    return renderRequestDetail(deps, c, c.var.admin, c.req.param('reference'), { notice });
  });

  // The queue's capability, then the action's own (with its fresh second factor); the action checks
  // it again with its right over the account.
  app.post(`/admin/requests/${REFERENCE}/${ACTIONS}`, requireAdmin(capabilityOfAction(REQUEST_ACTION_CAPABILITY, ['see_requests'])), async (c) => {
    const reference = c.req.param('reference');
    const action = c.req.param('action') as keyof typeof REQUEST_ACTION_CAPABILITY;
    const detailPath = `${prefix}/admin/requests/${reference}`;
    const pass = c.var.admin;
    const form = await c.req.parseBody();
    const fields = postedFields(form);
    const { who } = pass;
    const outcome = action === 'generate-code' ? await generateRecoveryCodeForRequest(deps, who, reference, fields)
      : action === 'send-recovery-code' ? await sendRecoveryCodeEmail(deps, who, { reference }, fields)
        : action === 'send-access-email' ? await sendAccessEmail(deps, who, { reference }, fields)
          : action === 'reset-2fa' ? await resetUserSecondFactor(deps, who, { reference }, fields)
            : action === 'cancel-duplicates' ? await cancelDuplicates(deps, who, reference, fields)
              : await cancelRequest(deps, who, reference, fields);
    const log = c.get('log');
    if (!outcome.ok) {
      log.info({ event: 'admin.action_refused', action, reference, outcome }, 'administrator action refused');
      return refused(c, pass, reference, outcome, detailPath, fields);
    }
    log.info({ event: 'admin.action', action, reference }, 'administrator action done');
    await pokeDelivery(deps.delivery, c);
    const notice = NOTICE_OF[action] ?? 'code_sent';
    // From the queue's confirmation step, back to the queue (the third click resolves it).
    if (form.from === 'queue') return c.redirect(`${prefix}/admin/requests?notice=${notice}`, 303);
    return c.redirect(`${detailPath}?notice=${notice}`, 303);
  });

  function refused(c: Ctx, pass: AdminPass, reference: string, failure: ActionFailure, detailPath: string, fields: ReturnType<typeof postedFields>) {
    if (failure.reason === 'forbidden' && failure.refusal === 'second_factor_required') return adminRefusal(c, pass.shell, failure.refusal, detailPath);
    return renderRequestDetail(deps, c, pass, reference, {
      error: failureMessage(failure, 'request'), status: failureStatus(failure),
      posted: { reason: fields.reason, details: fields.details, onBehalfOf: fields.onBehalfOf },
    });
  }

  return app;
}
