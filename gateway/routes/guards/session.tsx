/**
 * The session guards (STYLE "Guards as middleware", after Authelia's require_authentication_level):
 * each factory settles its options once and returns a named middleware that either answers (a
 * redirect or page for browsers, `{error: {code, message}}` for JSON callers) or narrows `c.var`
 * and goes on. Routes name what they need; the ladder and its answers live here only.
 */
import { translatable } from '../../i18n/i18n.js';
import type { Context, MiddlewareHandler } from 'hono';
import { MessagePage } from '../../../views/pages/message.js';
import type { Database } from '../../../db/client.js';
import type { Clock } from '../../core/clock.js';
import { userFactors } from '../../factors/summary.js';
import type { AppEnv } from '../../http/env.js';
import { secondFactorIsFresh } from '../../session/freshness.js';
import { withRd } from '../second-factor-gate.js';

type Ctx = Context<AppEnv>;

/** How a refusal is answered: a browser page (redirects, HTML) or a JSON error. */
export type Answer = 'page' | 'json';
/** The gateway path a refused user comes back to once they have done what was asked. */
export type Back = (c: Ctx) => string | Promise<string>;

export interface GuardDeps {
  config: { server: { prefix: string } };
  db: Database;
  clock: Clock;
}

export interface SessionGuardOptions {
  answer?: Answer;
  back?: Back;
}

export interface SecondFactorOptions extends SessionGuardOptions {
  /** Passed within the last 10 minutes (SECURITY D2, session/freshness.ts), not just once in this session. */
  fresh?: boolean;
  /**
   * Adding a factor: open without a second factor to a user who holds none yet (first enrolment)
   * and to a recovery session, which may only enrol (SECURITY R3). Also sets `c.var.factors`.
   */
  enrolment?: boolean;
}

/** The path and query of this request for a GET; for a form post, the page it came from (its parent path). */
export function herePath(c: Ctx): string {
  const url = new URL(c.req.url);
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return `${url.pathname}${url.search}`;
  return url.pathname.replace(/\/[^/]*$/, '');
}

export function redirectStatus(c: Ctx): 302 | 303 {
  return c.req.method === 'GET' || c.req.method === 'HEAD' ? 302 : 303;
}

export function jsonRefusal(c: Ctx, status: 401 | 403, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

export function createSessionGuards(deps: GuardDeps) {
  const prefix = deps.config.server.prefix;

  function refused(c: Ctx, guard: string, reason: string): void {
    c.get('log').info({ event: 'guard.refused', guard, reason, path: c.req.path }, 'request refused by its guard');
  }

  /** No session: browsers go to sign-in and come back; JSON callers get 401. */
  async function anonymous(c: Ctx, guard: string, answer: Answer, back: Back): Promise<Response> {
    refused(c, guard, 'no_session');
    if (answer === 'json') return jsonRefusal(c, 401, 'unauthenticated', 'Sign in first.');
    return c.redirect(withRd(`${prefix}/login`, await back(c)), redirectStatus(c));
  }

  /** Signed in at all (any level). Sets `c.var.signedIn`. */
  function requireSession(options: SessionGuardOptions = {}): MiddlewareHandler<AppEnv> {
    const { answer = 'page', back = herePath } = options;
    return async function requireSessionGuard(c, next) {
      const session = c.get('session');
      if (!session) return anonymous(c, 'session', answer, back);
      c.set('signedIn', session);
      await next();
    };
  }

  /** Past the second factor (fresh, when asked). Sets `c.var.signedIn`. */
  function requireSecondFactor(options: SecondFactorOptions = {}): MiddlewareHandler<AppEnv> {
    const { answer = 'page', back = herePath, fresh = false, enrolment = false } = options;
    return async function requireSecondFactorGuard(c, next) {
      const session = c.get('session');
      if (!session) return anonymous(c, 'second_factor', answer, back);
      c.set('signedIn', session);
      if (enrolment) {
        const factors = await userFactors(deps.db, session.user.id);
        c.set('factors', factors);
        if (session.restricted || !factors.any) return next();
      }
      if (session.restricted) {
        refused(c, 'second_factor', 'restricted_session');
        if (answer === 'json') return jsonRefusal(c, 403, 'enrolment_required', 'Set up a new second factor first.');
        return c.redirect(withRd(`${prefix}/enroll`, await back(c)), redirectStatus(c));
      }
      if (session.authLevel < 2) {
        refused(c, 'second_factor', 'second_factor_missing');
        if (answer === 'json') return jsonRefusal(c, 403, 'step_up_required', 'Confirm with your second factor first.');
        return c.redirect(withRd(`${prefix}/2fa`, await back(c)), redirectStatus(c));
      }
      if (fresh && !secondFactorIsFresh(session.secondFactorAt, deps.clock.nowMs())) {
        refused(c, 'second_factor', 'stale_second_factor');
        if (answer === 'json') return jsonRefusal(c, 403, 'step_up_required', STALE);
        return stepUpPrompt(c, prefix, await back(c));
      }
      await next();
    };
  }

  return { requireSession, requireSecondFactor };
}

const STALE = translatable('This needs your second factor passed within the last 10 minutes: confirm with your second factor, then try again.');

/**
 * A full session whose second factor is older than 10 minutes re-verifies at `P/2fa?stepup=1`
 * (routes/challenge.tsx): a page load goes there at once; a refused form post says why and links
 * there, since its fields would be lost on the way anyway.
 */
export function stepUpPromptUrl(prefix: string, back: string): string {
  return `${prefix}/2fa?${back ? `rd=${encodeURIComponent(back)}&` : ''}stepup=1`;
}

function stepUpPrompt(c: Ctx, prefix: string, back: string): Response | Promise<Response> {
  if (redirectStatus(c) === 302) return c.redirect(stepUpPromptUrl(prefix, back), 302);
  return c.html(
    <MessagePage prefix={prefix} title={translatable("Confirm it is you")} message={STALE} link={{ href: stepUpPromptUrl(prefix, back), label: translatable('Confirm with your second factor') }} />,
    403,
  );
}
