/**
 * The guard of every dashboard page and form (SECURITY D1, D2): signed in (else to sign-in), an
 * administrator by the users row read NOW (else 403), past the second factor (else to it), and
 * holding the page's capability (else 403 with the reason). Answers the ladder 302 → 403 → 302 → 403.
 */
import type { Context } from 'hono';
import { MessagePage } from '../../../views/pages/message.js';
import { AdminMessagePage } from '../../../views/pages/admin/message.js';
import { countActiveSuperAdmins } from '../../../db/queries/admin.js';
import type { ActingAdmin } from '../../admin/actions.js';
import { loadActor } from '../../admin/actor.js';
import { describeRefusal, isAdminRole, mayUse, permissionRules, type Capability, type Refusal } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import type { SessionView } from '../../session/store.js';
import type { RouteDeps } from '../deps.js';
import { withRd } from '../second-factor-gate.js';

type Ctx = Context<AppEnv>;

export interface AdminShellContext {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string };
  superAdmins: number;
}

export type AdminPass = { ok: true; who: ActingAdmin; session: SessionView; shell: AdminShellContext };
export type AdminGateResult = AdminPass | { ok: false; response: Response | Promise<Response> };

export type AdminGate = (c: Ctx, capability: Capability, returnTo: string) => Promise<AdminGateResult>;

export function createAdminGate(deps: RouteDeps): AdminGate {
  const prefix = deps.config.server.prefix;
  return async function adminGate(c, capability, returnTo) {
    const redirectStatus = c.req.method === 'GET' ? 302 : 303;
    const log = c.get('log');
    const session = c.get('session');
    if (!session) return { ok: false, response: c.redirect(withRd(`${prefix}/login`, returnTo), redirectStatus) };
    // A recovery session may only enrol a new factor (SECURITY R3).
    if (session.restricted) return { ok: false, response: c.redirect(withRd(`${prefix}/enroll`, returnTo), redirectStatus) };
    const actor = await loadActor(deps.db, session.user.id);
    if (!actor || !actor.active || !isAdminRole(actor.role)) {
      log.info({ event: 'admin.refused', path: c.req.path, reason: 'not_admin', role: actor?.role }, 'dashboard refused');
      return { ok: false, response: c.html(<MessagePage prefix={prefix} title="Not allowed" message="Only administrators can see the dashboard." />, 403) };
    }
    if (session.authLevel < 2) return { ok: false, response: c.redirect(withRd(`${prefix}/2fa`, returnTo), redirectStatus) };
    const who: ActingAdmin = {
      actor, credential: { kind: 'session', secondFactorAt: session.secondFactorAt }, ip: c.get('clientIp'), requestId: c.get('requestId'),
    };
    const shell: AdminShellContext = {
      prefix, csrfToken: c.get('csrfToken'), user: { email: actor.email, name: actor.name }, superAdmins: await countActiveSuperAdmins(deps.db),
    };
    const check = mayUse(actor, capability, permissionRules(deps.policies.current().policy), who.credential, deps.clock.nowMs());
    if (!check.ok) return { ok: false, response: refusePage(c, shell, check.refusal, returnTo) };
    return { ok: true, who, session, shell };
  };

  function refusePage(c: Ctx, shell: AdminShellContext, refusal: Refusal, returnTo: string) {
    c.get('log').info({ event: 'admin.refused', path: c.req.path, reason: refusal }, 'dashboard page refused');
    return adminRefusal(c, shell, refusal, returnTo);
  }
}

/** The 403 page of a refusal; a stale second factor gets the step-up prompt (SECURITY D2). */
export function adminRefusal(c: Ctx, shell: AdminShellContext, refusal: Refusal, returnTo: string) {
  if (refusal === 'second_factor_required') {
    return c.html(
      <AdminMessagePage {...shell} title="Confirm with your second factor first" message={describeRefusal(refusal)}
        link={{ href: `${withRd(`${shell.prefix}/2fa`, returnTo)}&stepup=1`, label: 'Confirm with your second factor' }} />,
      403,
    );
  }
  return c.html(<AdminMessagePage {...shell} title="Not allowed" message={describeRefusal(refusal)} link={{ href: returnTo, label: 'Back' }} />, 403);
}

/** The path and query of this request, as an `rd` back to it. */
export function herePath(c: Ctx): string {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}
