import type { Context } from 'hono';
import { waitWords } from '../core/wait-words.js';
import type { AppEnv } from './env.js';

/**
 * A refusal that names its wait twice: `Retry-After` in whole seconds (RFC 9110 §10.2.3, at least
 * 1) for programs, and the words for the page ("Try again in 5 minutes.", in the page's language).
 */
export function refuseFor(c: Context<AppEnv>, retryAfterMs: number): string {
  c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  const t = c.get('t');
  return t('Try again in {{wait}}.', { wait: waitWords(retryAfterMs, t) });
}
