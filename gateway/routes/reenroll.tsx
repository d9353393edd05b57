import { Hono, type Context } from 'hono';
import { ReenrollPage } from '../../views/pages/reenroll.js';
import { hasFreshSecondFactor } from '../session/freshness.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { openObligations, snoozeObligations, withState } from '../recovery/reenrollment.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';
import { headerUser, withRd } from './second-factor-gate.js';

/**
 * `GET P/reenroll`, `POST P/reenroll/snooze`: the interstitial the proxy shows while a
 * re-enrolment obligation is open — "Do it now" leads to the enrolment or backup-code page,
 * "Remind me later" postpones a not-yet-due one by a day (never past its deadline).
 */
export function reenrollRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const app = new Hono<AppEnv>();
  const destination = (c: Context<AppEnv>, rd: string | undefined) => deps.safeRedirect(rd, c.req.header('host'), `${prefix}/account`);
  const signedIn = createGuards(deps).requireSession({
    back: async (c) => withRd(`${prefix}/reenroll`, destination(c, c.req.method === 'GET' ? c.req.query('rd') : formText((await c.req.parseBody()).rd, 2048))),
  });

  app.get('/reenroll', signedIn, async (c) => {
    const rd = destination(c, c.req.query('rd'));
    const session = c.var.signedIn;
    // A recovery session may only enrol a new factor (SECURITY R3).
    if (session.restricted) return c.redirect(withRd(`${prefix}/enroll`, rd), 302);
    const nowMs = deps.clock.nowMs();
    // The page reads the table, not the cached session: it must show what was just met or snoozed.
    const obligations = (await openObligations(deps.db, session.user.id)).map((o) => withState(o, nowMs));
    if (obligations.length === 0) return c.redirect(rd, 302);
    return c.html(
      <ReenrollPage
        prefix={prefix} csrfToken={c.get('csrfToken')} user={headerUser(session)} timeZone={config.server.time_zone}
        rd={rd} obligations={obligations} freshSecondFactor={hasFreshSecondFactor(session, nowMs)}
      />,
    );
  });

  app.post('/reenroll/snooze', signedIn, async (c) => {
    const form = await c.req.parseBody();
    const rd = destination(c, formText(form.rd, 2048));
    const session = c.var.signedIn;
    const snoozed = await snoozeObligations(deps.db, { userId: session.user.id, now: deps.clock.now() });
    deps.sessions.forgetUser(session.user.id);
    c.get('log').info({ event: 'reenrollment.snoozed', obligations: snoozed.map((o) => o.id) }, 're-enrolment postponed');
    // Anything already due stays blocking: the proxy sends the user back to do it.
    return c.redirect(rd, 303);
  });

  return app;
}
