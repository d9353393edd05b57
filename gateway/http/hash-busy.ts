import { translatable } from '../i18n/i18n.js';
import type { Context } from 'hono';
import type { PasswordHashBusyError } from '../security/password.js';
import type { AppEnv } from './env.js';

/** What a user refused for a full password hash queue is told (503), on a page or as text. */
export const HASH_BUSY_MESSAGE = translatable('Too many sign-ins at this moment. Try again in a few seconds.');
const RETRY_AFTER_S = 5;

/**
 * The parts of a 503 for a full password hash queue that every route shares: Retry-After and one
 * warning in the log. The caller renders the body (the login form again, or plain text).
 */
export function markHashBusy(c: Context<AppEnv>, error: PasswordHashBusyError): void {
  c.get('log')?.warn({ event: 'password_check.refused_busy', path: c.req.path, waiting: error.waiting }, 'password check refused: the hash queue is full');
  c.header('Retry-After', String(RETRY_AFTER_S));
}
