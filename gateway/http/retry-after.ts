import type { Context } from 'hono';
import { waitWords } from '../core/wait-words.js';

/**
 * A refusal that names its wait twice: `Retry-After` in whole seconds (RFC 9110 §10.2.3, at least
 * 1) for programs, and the words for the page ("Try again in 5 minutes.").
 */
export function refuseFor(c: Context, retryAfterMs: number): string {
  c.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return `Try again in ${waitWords(retryAfterMs)}.`;
}
