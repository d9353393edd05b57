import { translatable } from '../i18n/i18n.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono, type Context } from 'hono';
import { AssistLimitedPage, AssistPage, AssistReceivedPage, MESSAGE_MAX_LENGTH } from '../../views/pages/assist.js';
import { MessagePage } from '../../views/pages/message.js';
import { isValidEmail } from '../core/email.js';
import { waitWords } from '../core/wait-words.js';
import { oneLine } from '../delivery/templates/index.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { answerUnavailable } from '../http/unavailable.js';
import { submitAssistanceRequest, type AssistanceType } from '../recovery/assistance.js';
import type { RouteDeps } from './deps.js';
import { refuseFor } from '../http/retry-after.js';

/**
 * Every POST answers no sooner than this after it arrived (SECURITY A1). The work on the answer's
 * path (rate limits, one insert, the page) is the same for every email: whatever an existing
 * account costs is done by the assistance worker, which starts at once but is never waited for.
 * The floor is insurance on top, so that even the path's own jitter shows nothing; a slower
 * answer is logged.
 */
const RESPONSE_FLOOR_MS = 400;
// Textareas submit CRLF; anything else below U+0020 except tab and line feed is dropped (PostgreSQL
// text refuses NUL, and nothing legitimate needs the rest).
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function assistRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const app = new Hono<AppEnv>();
  const assistance = () => deps.policies.current().policy.recovery.assistance;
  const disabled = (c: Context<AppEnv>) =>
    c.html(<MessagePage prefix={prefix} title={translatable("Not available")} message={translatable("Requests for help are turned off here. Contact your administrator.")} />, 404);

  app.get('/assist', (c) => {
    const { enabled, types } = assistance();
    if (!enabled) return disabled(c);
    return c.html(<AssistPage prefix={prefix} csrfToken={c.get('csrfToken')} types={types} />);
  });

  // "Can't sign in?" on the sign-in page posts its form here: the email typed there comes along,
  // so nobody types it twice. Only the email is read; the password field, if filled, is ignored.
  app.post('/assist/from-sign-in', async (c) => {
    const { enabled, types } = assistance();
    if (!enabled) return disabled(c);
    const email = formText((await c.req.parseBody()).email, 254);
    const values = isValidEmail(email) ? { email } : {};
    return c.html(<AssistPage prefix={prefix} csrfToken={c.get('csrfToken')} types={types} values={values} />);
  });

  app.post('/assist', async (c) => {
    const startedAt = performance.now();
    const answer = await answerSubmission(c);
    // Rendered inside the padded section too: the page is part of the work.
    const response = await answer.response;
    // The account work begins once the answer is ready, runs while it waits out its floor, and is
    // never waited for: how long it takes cannot shift when the answer leaves (SECURITY A1).
    if (answer.recorded) {
      const log = c.get('log');
      void deps.assistance.poke().catch((error: unknown) => log.error({ err: String(error) }, 'assistance worker poke failed'));
    }
    const elapsed = performance.now() - startedAt;
    if (elapsed > RESPONSE_FLOOR_MS) c.get('log').warn({ event: 'assistance.slow', ms: Math.round(elapsed) }, 'assistance request took longer than the response floor');
    else await sleep(RESPONSE_FLOOR_MS - elapsed);
    return response;
  });

  /** The answer, and whether a request was recorded for the worker. */
  async function answerSubmission(c: Context<AppEnv>): Promise<{ response: Response | Promise<Response>; recorded: boolean }> {
    const policy = deps.policies.current().policy;
    const { enabled, types } = policy.recovery.assistance;
    if (!enabled) return { response: disabled(c), recorded: false };
    const form = await c.req.parseBody();
    const email = formText(form.email, 254);
    const type = formText(form.type, 32);
    const message = typeof form.message === 'string' ? form.message.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '').trim() : '';
    const csrfToken = c.get('csrfToken');
    const invalid = (error: string, errorField: 'email' | 'type' | 'message') => ({
      response: c.html(<AssistPage prefix={prefix} csrfToken={csrfToken} types={types} values={{ email, type, message }} error={error} errorField={errorField} />, 400),
      recorded: false,
    });
    // Input checks only: they depend on what was typed, never on whether an account exists.
    if (!isValidEmail(email)) return invalid(translatable('Enter the email address of your account.'), 'email');
    if (!(types as readonly string[]).includes(type)) return invalid(translatable('Choose what happened.'), 'type');
    if (message.length > MESSAGE_MAX_LENGTH) {
      const t = c.get('t');
      return invalid(t('Keep the message under {{max}} characters.', { max: MESSAGE_MAX_LENGTH }), 'message');
    }

    const log = c.get('log');
    let outcome;
    try {
      outcome = await submitAssistanceRequest({ db: deps.db, clock: deps.clock, geoip: deps.geoip, limits: deps.limits, policy }, {
        email, type: type as AssistanceType, message, ip: c.get('clientIp'),
        userAgent: oneLine(c.req.header('user-agent') ?? '').slice(0, 512) || null, requestId: c.get('requestId'),
      });
    } catch (error) {
      log.error({ event: 'assistance.failed', err: String(error) }, 'assistance request not recorded');
      // The same answer for every address (SECURITY A1), like any outage: 503 with Retry-After.
      const response = answerUnavailable(c, prefix, translatable('Your request could not be sent. Try again in a moment.'));
      return { response, recorded: false };
    }
    if (!outcome.ok) {
      log.info({ event: 'assistance.limited', scope: outcome.scope, email: oneLine(email) }, 'assistance request refused: rate limit');
      const wait = refuseFor(c, outcome.retryAfterMs);
      return { response: c.html(<AssistLimitedPage prefix={prefix} csrfToken={csrfToken} types={types} wait={wait} />, 429), recorded: false };
    }
    // Whether the email matched is logged by the worker, after the answer.
    log.info({ event: 'assistance.received', reference: outcome.reference }, 'assistance request received');
    return { response: c.html(<AssistReceivedPage prefix={prefix} reference={outcome.reference} usualResponse={waitWords(policy.recovery.assistance.usual_response, c.get('t'))} />), recorded: true };
  }

  return app;
}
