import type { Context } from 'hono';
import { AdminMessagePage } from '../../../views/pages/admin/message.js';
import { RequestDetailPage } from '../../../views/pages/admin/request-detail.js';
import { cancelEmailLine } from '../../../views/partials/admin/action-forms.js';
import { formatWhen } from '../../../views/partials/admin/labels.js';
import { findRequestWithAccount, openRequestsOf } from '../../../db/queries/admin.js';
import { describeUser } from '../../../db/queries/admin-users.js';
import { recentAuditEventsOf } from '../../../db/queries/assistance.js';
import { describeRefusal, mayUseOn, permissionRules } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import { describeSecurityFacts, factsFromOlderContext, type SecurityFacts } from '../../recovery/security-events.js';
import type { RouteDeps } from '../deps.js';
import type { AdminPass } from '../guards/index.js';
import { accountActionAvailability } from './availability.js';
import { OPEN_STATUSES } from './queue.js';

const RECENT_EVENTS = 10;

export interface DetailOptions {
  error?: string;
  notice?: string | null;
  status?: 200 | 400 | 403 | 404 | 409;
  /** The fields of a refused form, drawn again so nothing typed is lost. */
  posted?: { reason?: string; details?: string; onBehalfOf?: string };
}

/** The stored facts of the request, as sentences in the dashboard's time zone. */
function securitySentences(context: Record<string, unknown>, timeZone: string): string[] {
  const account = context.account as { security?: SecurityFacts } | null | undefined;
  const facts = account?.security ?? factsFromOlderContext(context);
  return facts ? describeSecurityFacts(facts, (at) => formatWhen(new Date(at), timeZone)) : [];
}

/** `P/admin/requests/AR-…`: the request, the account then and now, and what this administrator may do. */
export async function renderRequestDetail(deps: RouteDeps, c: Context<AppEnv>, pass: AdminPass, reference: string, options: DetailOptions) {
  const prefix = deps.config.server.prefix;
  const timeZone = deps.config.server.time_zone;
  const found = await findRequestWithAccount(deps.db, reference);
  if (!found) {
    return c.html(<AdminMessagePage {...pass.shell} section="requests" title="Not found" message="There is no request with this reference." link={{ href: `${prefix}/admin/requests`, label: 'All requests' }} />, 404);
  }
  const { request, user } = found;
  const { policy } = deps.policies.current();
  const rules = permissionRules(policy);
  const nowMs = deps.clock.nowMs();
  const open = OPEN_STATUSES.has(request.status);
  const cancelCheck = (target: { id: string; role: typeof pass.who.actor.role }) => mayUseOn(pass.who.actor, 'cancel_request', rules, pass.who.credential, nowMs, target, pass.shell.superAdmins);
  const cancelAllowed = user ? cancelCheck(user) : { ok: true as const };
  const facts = user ? await describeUser(deps.db, user.id) : undefined;
  const others = user ? (await openRequestsOf(deps.db, [user.id])).filter((other) => other.id !== request.id) : [];
  return c.html(
    <RequestDetailPage
      {...pass.shell} request={request} timeZone={timeZone} nowMs={nowMs} staleAfterMs={policy.recovery.assistance.stale_after}
      reasons={policy.recovery.reasons} cancelReasons={policy.recovery.cancel_reasons}
      account={user ? { id: user.id, name: user.name, email: user.email, role: user.role, type: user.type, active: user.active, hasPhone: Boolean(user.phone) } : null}
      now={facts ? { active: facts.active, role: facts.role, twoFactorEnabled: facts.totp || facts.securityKeys > 0, unusedBackupCodes: facts.codesLeft, lastSignInAt: facts.lastSignInAt } : null}
      security={securitySentences(request.context, timeZone)}
      recentEvents={user ? await recentAuditEventsOf(deps.db, user.id, RECENT_EVENTS) : []}
      actions={open && user && user.active ? {
        base: `${prefix}/admin/requests/${request.reference}`, onRequest: true,
        sms: Boolean(user.phone && deps.config.sms.webhook_url),
        unavailable: accountActionAvailability(pass, rules, nowMs, user), posted: options.posted ?? null,
      } : null}
      cancel={open ? { unavailable: cancelAllowed.ok ? null : describeRefusal(cancelAllowed.refusal), emailLine: cancelEmailLine(user) } : null}
      otherOpen={{ requests: others, mayCancel: cancelAllowed.ok }}
      error={options.error ?? null} notice={options.notice ?? null}
    />,
    options.status ?? 200,
  );
}
