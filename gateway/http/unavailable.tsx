/**
 * The answer while a dependency the request needs (the database) is down: 503 with Retry-After
 * (RFC 9110 §15.6.4, §10.2.3), a page that says the service is briefly unavailable, or
 * `{error: {code: 'unavailable', message}}` for the API and JSON callers. The request is refused,
 * never half done (SECURITY F1); readyz reports the same outage.
 */
import { translatable } from '../i18n/i18n.js';
import type { Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import type { AppEnv } from './env.js';

// A database restart or failover usually takes seconds; a retrying script comes back soon after.
export const UNAVAILABLE_RETRY_AFTER_S = 5;
export const UNAVAILABLE_TITLE = translatable('Temporarily unavailable');
export const UNAVAILABLE_MESSAGE = translatable('The service is briefly unavailable. Try again in a moment.');

/** The API, and callers that ask for JSON (fetch, htmx with JSON), get JSON; browsers a page. */
export function wantsJson(c: Context<AppEnv>, prefix: string): boolean {
  return c.req.path.startsWith(`${prefix}/api/`) || (c.req.header('accept') ?? '').includes('application/json');
}

export function answerUnavailable(c: Context<AppEnv>, prefix: string, message = UNAVAILABLE_MESSAGE): Response | Promise<Response> {
  c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
  if (wantsJson(c, prefix)) return c.json({ error: { code: 'unavailable', message } }, 503);
  return c.html(<MessagePage prefix={prefix} title={UNAVAILABLE_TITLE} message={message} />, 503);
}
