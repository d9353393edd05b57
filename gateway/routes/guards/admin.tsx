/**
 * `requireAdmin(capability)`: the one guard of every dashboard page and form, the backup-code
 * statistics, the policies page and every `P/api/v1` call (SECURITY D1, D2, T1). One ladder
 * (admin/credential.ts, then admin/permissions.ts), two ways to answer:
 * - pages: sign-in (302/303) → enrolment for a recovery session → second factor → 403 for a
 *   non-administrator → 403 with the reason, or the step-up prompt for a stale second factor;
 * - JSON: 401 `unauthenticated` → 403 `forbidden` / `step_up_required` / `token_not_allowed`.
 * Sets `c.var.admin` (pages: who acts and the dashboard frame) or `c.var.apiAdmin` (JSON).
 */
import { translatable } from '../../i18n/i18n.js';
import type { Context, MiddlewareHandler } from 'hono';
import { MessagePage } from '../../../views/pages/message.js';
import { AdminMessagePage } from '../../../views/pages/admin/message.js';
import type { Database } from '../../../db/client.js';
import { countActiveSuperAdmins } from '../../../db/queries/admin.js';
import type { ActingAdmin } from '../../admin/actions.js';
import { resolveAdminCredential, type CredentialRefusal } from '../../admin/credential.js';
import { describeRefusal, mayUse, permissionRules, type Capability, type Check, type Refusal } from '../../admin/permissions.js';
import type { Clock } from '../../core/clock.js';
import type { AppEnv } from '../../http/env.js';
import type { Policy } from '../../policy/schema.js';
import type { SessionView } from '../../session/store.js';
import { refusalCode } from '../admin/outcomes.js';
import { withRd } from '../second-factor-gate.js';
import { herePath, jsonRefusal, redirectStatus, stepUpPromptUrl, type Back } from './session.js';

type Ctx = Context<AppEnv>;

export interface AdminShellContext {
  prefix: string;
  csrfToken: string;
  user: { email: string; name: string };
  superAdmins: number;
}

/** A dashboard page's administrator: a session, with the frame every admin page draws. */
export interface AdminPass { who: ActingAdmin; session: SessionView; shell: AdminShellContext }
/** An API caller: a token (no session) or an administrator's session. */
export interface ApiAdmin { who: ActingAdmin; session: SessionView | null }

/**
 * A capability, several that must all hold, or one chosen by the request (the action named in
 * the path: routes/admin/action-capabilities.ts).
 */
export type CapabilityOf = Capability | readonly Capability[] | ((c: Ctx) => Capability | readonly Capability[]);

export interface AdminGuardDeps {
  config: { server: { prefix: string } };
  db: Database;
  clock: Clock;
  policies: { current(): { policy: Policy } };
}

const UNAUTHENTICATED = 'Send an API token (Authorization: Bearer …) or sign in as an administrator with your second factor.';
const NOT_ADMIN: Partial<Record<CredentialRefusal, string>> = {
  token_user_not_admin: 'This token\'s user is not an administrator.',
  not_admin: 'Only administrators can use this API.',
};

export function createAdminGuard(deps: AdminGuardDeps) {
  const prefix = deps.config.server.prefix;

  /** Sets `c.var.admin` (pages) or `c.var.apiAdmin` (`answer: 'json'`). */
  function requireAdmin(capability: CapabilityOf, options: { answer?: 'page' | 'json'; back?: Back } = {}): MiddlewareHandler<AppEnv> {
    const json = options.answer === 'json';
    const back = options.back ?? herePath;
    const capabilityOf = typeof capability === 'function' ? capability : () => capability;
    return async function requireAdminGuard(ctx, next) {
      const log = ctx.get('log');
      const credential = await resolveAdminCredential(deps.db, {
        authorization: json ? ctx.req.header('authorization') : undefined,
        session: ctx.get('session'), ip: ctx.get('clientIp'), requestId: ctx.get('requestId'),
      });
      if (!credential.ok) {
        log.info({ event: 'admin.refused', path: ctx.req.path, reason: credential.why }, 'administrator route refused');
        return json ? refuseCall(ctx, credential.why) : refusePage(ctx, credential.why, await back(ctx));
      }
      const { who, session } = credential;
      const { wanted, check } = firstRefusal(capabilityOf(ctx), (capability) =>
        mayUse(who.actor, capability, permissionRules(deps.policies.current().policy), who.credential, deps.clock.nowMs()));
      if (json) {
        if (!check.ok) {
          log.info({ event: 'admin.refused', path: ctx.req.path, reason: check.refusal, capability: wanted, credential: who.credential.kind }, 'API call refused');
          return jsonRefusal(ctx, 403, refusalCode(check.refusal), describeRefusal(check.refusal));
        }
        ctx.set('apiAdmin', { who, session });
        return next();
      }
      const shell: AdminShellContext = {
        prefix, csrfToken: ctx.get('csrfToken'), user: { email: who.actor.email, name: who.actor.name }, superAdmins: await countActiveSuperAdmins(deps.db),
      };
      if (!check.ok) {
        log.info({ event: 'admin.refused', path: ctx.req.path, reason: check.refusal, capability: wanted }, 'dashboard page refused');
        return adminRefusal(ctx, shell, check.refusal, await back(ctx));
      }
      // A page never takes a token, so a credential that passed is a session.
      ctx.set('admin', { who, session: session!, shell });
      return next();
    };
  }

  function refusePage(c: Ctx, why: CredentialRefusal, back: string): Response | Promise<Response> {
    switch (why) {
      case 'no_credentials': return c.redirect(withRd(`${prefix}/login`, back), redirectStatus(c));
      case 'restricted_session': return c.redirect(withRd(`${prefix}/enroll`, back), redirectStatus(c));
      case 'second_factor_missing': return c.redirect(withRd(`${prefix}/2fa`, back), redirectStatus(c));
      default: return c.html(<MessagePage prefix={prefix} title={translatable("Not allowed")} message={translatable("Only administrators can see the dashboard.")} />, 403);
    }
  }

  return { requireAdmin };
}

/** Each capability checked in order: the first one refused answers, else the last (allowed). */
function firstRefusal(wanted: Capability | readonly Capability[], check: (capability: Capability) => Check): { wanted: Capability; check: Check } {
  const list: readonly Capability[] = typeof wanted === 'string' ? [wanted] : wanted;
  let last: { wanted: Capability; check: Check } | undefined;
  for (const capability of list) {
    last = { wanted: capability, check: check(capability) };
    if (!last.check.ok) return last;
  }
  if (!last) throw new Error('requireAdmin needs at least one capability');
  return last;
}

function refuseCall(c: Ctx, why: CredentialRefusal): Response {
  const forbidden = NOT_ADMIN[why];
  return forbidden ? jsonRefusal(c, 403, 'forbidden', forbidden) : jsonRefusal(c, 401, 'unauthenticated', UNAUTHENTICATED);
}

/** The 403 page of a refusal inside the dashboard; a stale second factor gets the step-up prompt (SECURITY D2). */
export function adminRefusal(c: Ctx, shell: AdminShellContext, refusal: Refusal, back: string): Response | Promise<Response> {
  if (refusal === 'second_factor_required') {
    return c.html(
      <AdminMessagePage {...shell} title="Confirm with your second factor first" message={describeRefusal(refusal)}
        link={{ href: stepUpPromptUrl(shell.prefix, back), label: 'Confirm with your second factor' }} />,
      403,
    );
  }
  return c.html(<AdminMessagePage {...shell} title={translatable("Not allowed")} message={describeRefusal(refusal)} link={{ href: back, label: 'Back' }} />, 403);
}
