/**
 * The JSON API (CONTRACT §5), mounted at `P/api/v1`: an API token or an administrator's session,
 * each call checked against CONTRACT §7 on the server (401 → 403 → 400 → 404 → 409), cursor
 * pagination with `next_cursor`, errors as `{error: {code, message}}`. `GET backup-codes/stats`
 * lives with the backup-code routes.
 */
import { Hono, type Context } from 'hono';
import { listAuditRows, type AuditListRow } from '../../../db/queries/admin-audit.js';
import { listRecoveryRequests, type RequestQueueRow } from '../../../db/queries/admin.js';
import {
  cancelRequest, generateRecoveryCodeForRequest, resetUserSecondFactor, sendAccessEmail, sendRecoveryCodeEmail, type ActionFailure,
} from '../../admin/actions.js';
import { auditCursor, pageOf, requestCursor } from '../../admin/cursor.js';
import { parseAuditQuery, parseRequestQuery } from '../../admin/filters.js';
import type { Capability } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import { failureCode, failureMessage, failureStatus } from '../admin/outcomes.js';
import { pokeDelivery } from '../admin/poke.js';
import type { RouteDeps } from '../deps.js';
import { createGuards } from '../guards/index.js';
import { REFERENCE_ID_PATTERN } from '../../security/codes.js';

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
const REFERENCE = `:reference{${REFERENCE_ID_PATTERN}}`;
const USER_ID = ':id{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}';
const MAX_BODY_FIELD = 4_000;
// What each account action needs (CONTRACT §7): checked by the guard before the body is read.
const ACCOUNT_ACTIONS: Readonly<Record<string, Capability>> = {
  'send-access-email': 'send_access_email',
  'send-recovery-code': 'issue_recovery_code',
  'reset-2fa': 'reset_2fa',
};

function apiError(c: Ctx, status: 400 | 401 | 403 | 404 | 409, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

function requestItem(row: RequestQueueRow) {
  return {
    reference: row.reference,
    type: row.userType,
    requester: { name: row.name, email: row.email ?? row.submittedEmail, ip: row.ip, location: row.location },
    role: row.role,
    requested_at: row.createdAt.toISOString(),
    status: row.status,
    delivery: row.delivery,
  };
}

function auditItem(row: AuditListRow) {
  return {
    id: row.id,
    at: row.at.toISOString(),
    event: row.event,
    actor: row.actorId ? { id: row.actorId, email: row.actorEmail } : row.actorLabel,
    user: row.userId ? { id: row.userId, email: row.userEmail } : null,
    ip: row.ip,
    location: row.location,
    reason: row.reason,
    details: row.details,
  };
}

/** A JSON object body, or undefined (the caller answers 400). */
async function jsonObject(c: Ctx): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await c.req.json();
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const fields = body as Record<string, unknown>;
    return Object.values(fields).every((v) => typeof v !== 'string' || v.length <= MAX_BODY_FIELD) ? fields : undefined;
  } catch {
    return undefined;
  }
}

/** `{reason, details?, on_behalf_of?}` as the domain takes it; a non-string is passed on and refused there. */
function actionFields(body: Record<string, unknown>) {
  return { reason: body.reason, details: body.details, onBehalfOf: body.on_behalf_of };
}

export function apiRoutes(deps: RouteDeps) {
  const app = new Hono<AppEnv>();
  const { requireAdmin } = createGuards(deps);
  // 401 / 403 before anything else (routes/guards/admin.tsx); the actions check their capability
  // again, with the account, inside their transaction.
  const api = (capability: Capability | ((c: Ctx) => Capability)) => requireAdmin(capability, { answer: 'json' });

  function failed(c: Ctx, failure: ActionFailure, what: string) {
    c.get('log').info({ event: 'api.action_refused', path: c.req.path, outcome: failure }, 'administrator action refused');
    return apiError(c, failureStatus(failure), failureCode(failure), failureMessage(failure, what));
  }

  app.get('/recovery-requests', api('see_requests'), async (c) => {
    const parsed = parseRequestQuery(c.req.query(), PAGE_SIZE + 1, null);
    if (!parsed.ok) return apiError(c, 400, 'invalid_parameter', `The ${parsed.param} parameter is not valid.`);
    const page = pageOf(await listRecoveryRequests(deps.db, parsed.value), PAGE_SIZE, requestCursor);
    return c.json({ items: page.items.map(requestItem), next_cursor: page.nextCursor });
  });

  app.post(`/recovery-requests/${REFERENCE}/generate-code`, api('issue_recovery_code'), async (c) => {
    const body = await jsonObject(c);
    if (!body) return apiError(c, 400, 'invalid_request', 'Send a JSON object: {delivery, reason, details?, on_behalf_of?}.');
    const outcome = await generateRecoveryCodeForRequest(deps, c.var.apiAdmin.who, c.req.param('reference'), { ...actionFields(body), delivery: body.delivery ?? 'email' });
    if (!outcome.ok) return failed(c, outcome, 'request');
    await pokeDelivery(deps.delivery, c);
    return c.json({ reference: outcome.reference, status: 'approved', delivery: 'pending', channel: outcome.delivery, expires_at: outcome.expiresAt.toISOString() });
  });

  app.post(`/recovery-requests/${REFERENCE}/cancel`, api('cancel_request'), async (c) => {
    const body = await jsonObject(c);
    if (!body) return apiError(c, 400, 'invalid_request', 'Send a JSON object: {reason}.');
    const outcome = await cancelRequest(deps, c.var.apiAdmin.who, c.req.param('reference'), actionFields(body));
    if (!outcome.ok) return failed(c, outcome, 'request');
    await pokeDelivery(deps.delivery, c);
    return c.json({ reference: outcome.reference, status: 'cancelled' });
  });

  app.post(`/users/${USER_ID}/:action{send-access-email|send-recovery-code|reset-2fa}`, api((c) => ACCOUNT_ACTIONS[c.req.param('action')!]!), async (c) => {
    const { who } = c.var.apiAdmin;
    const body = await jsonObject(c);
    if (!body) return apiError(c, 400, 'invalid_request', 'Send a JSON object: {reason, details?, on_behalf_of?}.');
    const target = { userId: c.req.param('id').toLowerCase() };
    const fields = actionFields(body);
    const action = c.req.param('action');
    if (action === 'reset-2fa') {
      const outcome = await resetUserSecondFactor(deps, who, target, fields);
      if (!outcome.ok) return failed(c, outcome, 'user');
      await pokeDelivery(deps.delivery, c);
      return c.json({ user: outcome.userId, removed: outcome.removed });
    }
    const outcome = action === 'send-access-email'
      ? await sendAccessEmail(deps, who, target, fields)
      : await sendRecoveryCodeEmail(deps, who, target, fields);
    if (!outcome.ok) return failed(c, outcome, 'user');
    await pokeDelivery(deps.delivery, c);
    return c.json({ user: outcome.userId, delivery: 'email', expires_at: outcome.expiresAt.toISOString() });
  });

  app.get('/audit-logs', api('see_requests'), async (c) => {
    const parsed = await parseAuditQuery(deps.db, c.req.query(), PAGE_SIZE + 1);
    if (!parsed.ok) return apiError(c, 400, 'invalid_parameter', `The ${parsed.param} parameter is not valid.`);
    if (!parsed.value.matches) return c.json({ items: [], next_cursor: null });
    const page = pageOf(await listAuditRows(deps.db, parsed.value.filter), PAGE_SIZE, auditCursor);
    return c.json({ items: page.items.map(auditItem), next_cursor: page.nextCursor });
  });

  return app;
}
