/**
 * The JSON API (CONTRACT §5), mounted at `P/api/v1`: an API token or an administrator's session,
 * each call checked against CONTRACT §7 on the server (401 → 403 → 400 → 404 → 409), cursor
 * pagination with `next_cursor`, errors as `{error: {code, message}}`. Each operation is declared
 * once (operations.ts): its guard runs first, then its schemas validate the input, then the
 * handler; the same declarations are the OpenAPI document at `GET P/api/v1/openapi.json`.
 * `GET backup-codes/stats` lives with the backup-code routes and is mounted here.
 */
import type { Context } from 'hono';
import { etag } from 'hono/etag';
import { listAuditRows, type AuditListRow } from '../../../db/queries/admin-audit.js';
import { listRecoveryRequests, type RequestQueueRow } from '../../../db/queries/admin.js';
import {
  cancelRequest, generateRecoveryCodeForRequest, resetUserSecondFactor, sendAccessEmail, sendRecoveryCodeEmail, type ActionFailure,
} from '../../admin/actions.js';
import type { ActionFieldsInput } from '../../admin/action-fields.js';
import { auditCursor, pageOf, requestCursor } from '../../admin/cursor.js';
import { auditFilter, requestFilter } from '../../admin/filters.js';
import type { AppEnv } from '../../http/env.js';
import { failureCode, failureMessage, failureStatus } from '../admin/outcomes.js';
import { pokeDelivery } from '../admin/poke.js';
import { backupCodeApiRoutes } from '../api-backup-codes.js';
import type { RouteDeps } from '../deps.js';
import { createGuards } from '../guards/index.js';
import { writeApiDocument } from './document.js';
import { createApiApp, type Guard } from './api-app.js';
import { apiError } from './errors.js';
import * as op from './operations.js';

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
// The document changes only with an upgrade or new settings, and the ETag makes a re-read cheap;
// private, because the answer may set the browser's CSRF cookie, which no shared cache may hand on.
const DOCUMENT_CACHE = 'private, max-age=3600';

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
    actor: row.actorId ? { id: row.actorId, email: row.actorEmail } : row.actorLabel as 'cli' | 'system' | null,
    user: row.userId ? { id: row.userId, email: row.userEmail } : null,
    ip: row.ip,
    location: row.location,
    reason: row.reason,
    details: row.details,
  };
}

/** `{reason, details?, on_behalf_of?}` as the domain takes it. */
function actionFields(body: { reason: string; details?: string | null | undefined; on_behalf_of?: string | null | undefined }): ActionFieldsInput {
  return { reason: body.reason, details: body.details, onBehalfOf: body.on_behalf_of };
}

export function apiRoutes(deps: RouteDeps) {
  const app = createApiApp();
  const { requireAdmin } = createGuards(deps);
  // 401 / 403 before the input is read (routes/guards/admin.tsx); the actions check their
  // capability again, with the account, inside their transaction.
  const guarded: Guard = (operation) => ({ ...operation, middleware: requireAdmin(operation['x-recourse-capability'], { answer: 'json' }) });

  function failed(c: Ctx, failure: ActionFailure, what: string) {
    c.get('log').info({ event: 'api.action_refused', path: c.req.path, outcome: failure }, 'administrator action refused');
    return apiError(c, failureStatus(failure), failureCode(failure), failureMessage(failure, what));
  }

  app.openapi(guarded(op.listRecoveryRequests), async (c) => {
    const filter = requestFilter(c.req.valid('query'), PAGE_SIZE + 1, null);
    const page = pageOf(await listRecoveryRequests(deps.db, filter), PAGE_SIZE, requestCursor);
    return c.json({ items: page.items.map(requestItem), next_cursor: page.nextCursor }, 200);
  });

  app.openapi(guarded(op.generateRecoveryCode), async (c) => {
    const body = c.req.valid('json');
    const { reference } = c.req.valid('param');
    const outcome = await generateRecoveryCodeForRequest(deps, c.var.apiAdmin.who, reference, { ...actionFields(body), delivery: body.delivery });
    if (!outcome.ok) return failed(c, outcome, 'request');
    await pokeDelivery(deps.delivery, c);
    return c.json({ reference: outcome.reference ?? reference, status: 'approved' as const, delivery: 'pending' as const, channel: outcome.delivery, expires_at: outcome.expiresAt.toISOString() }, 200);
  });

  app.openapi(guarded(op.cancelRecoveryRequest), async (c) => {
    const outcome = await cancelRequest(deps, c.var.apiAdmin.who, c.req.valid('param').reference, actionFields(c.req.valid('json')));
    if (!outcome.ok) return failed(c, outcome, 'request');
    await pokeDelivery(deps.delivery, c);
    return c.json({ reference: outcome.reference, status: 'cancelled' as const }, 200);
  });

  app.openapi(guarded(op.sendAccessEmail), async (c) => {
    const outcome = await sendAccessEmail(deps, c.var.apiAdmin.who, { userId: c.req.valid('param').id.toLowerCase() }, actionFields(c.req.valid('json')));
    if (!outcome.ok) return failed(c, outcome, 'user');
    await pokeDelivery(deps.delivery, c);
    return c.json({ user: outcome.userId, delivery: 'email' as const, expires_at: outcome.expiresAt.toISOString() }, 200);
  });

  app.openapi(guarded(op.sendRecoveryCode), async (c) => {
    const outcome = await sendRecoveryCodeEmail(deps, c.var.apiAdmin.who, { userId: c.req.valid('param').id.toLowerCase() }, actionFields(c.req.valid('json')));
    if (!outcome.ok) return failed(c, outcome, 'user');
    await pokeDelivery(deps.delivery, c);
    return c.json({ user: outcome.userId, delivery: 'email' as const, expires_at: outcome.expiresAt.toISOString() }, 200);
  });

  app.openapi(guarded(op.resetSecondFactor), async (c) => {
    // The API call is its own confirmation: the body stays {reason, details?, on_behalf_of?} (§5).
    const outcome = await resetUserSecondFactor(deps, c.var.apiAdmin.who, { userId: c.req.valid('param').id.toLowerCase() }, { ...actionFields(c.req.valid('json')), confirmed: true });
    if (!outcome.ok) return failed(c, outcome, 'user');
    await pokeDelivery(deps.delivery, c);
    return c.json({ user: outcome.userId, removed: outcome.removed }, 200);
  });

  app.openapi(guarded(op.listAuditLog), async (c) => {
    const { filter, matches } = await auditFilter(deps.db, c.req.valid('query'), PAGE_SIZE + 1);
    if (!matches) return c.json({ items: [], next_cursor: null }, 200);
    const page = pageOf(await listAuditRows(deps.db, filter), PAGE_SIZE, auditCursor);
    return c.json({ items: page.items.map(auditItem), next_cursor: page.nextCursor }, 200);
  });

  app.route('/', backupCodeApiRoutes(deps, guarded));

  // Written on the first read, when every operation above is mounted; no credentials needed.
  let document: ReturnType<typeof writeApiDocument> | undefined;
  app.openapi({ ...op.describeApi, middleware: etag() }, (c) => {
    document ??= writeApiDocument(app, { prefix: deps.config.server.prefix, sessionCookie: deps.config.session.cookie_name });
    c.header('Cache-Control', DOCUMENT_CACHE);
    return c.json(document as unknown as Record<string, unknown>, 200);
  });

  return app;
}
