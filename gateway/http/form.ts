import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** A single text field from a parsed form: arrays (duplicated fields) and files are refused. */
export function formText(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return '';
  return value.length > maxLength ? '' : value.trim();
}

/** Like formText, but untrimmed: spaces are part of a password. */
export function formSecret(value: unknown, maxLength: number): string {
  return typeof value === 'string' && value.length <= maxLength ? value : '';
}

const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);
const BODILESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Parses a posted form once, before any handler: a body that claims to be a form but cannot be
 * read (a multipart body without its boundary, say) is answered 400 here, not 500 from a handler's
 * `parseBody()`. Hono caches the parsed body, so handlers read it again for free. Mount it after
 * the body limit, which has already buffered the body within bounds.
 */
export function refuseUnreadableForms(): MiddlewareHandler<AppEnv> {
  return async function unreadableForm(c, next) {
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (BODILESS_METHODS.has(c.req.method) || !FORM_MEDIA_TYPES.has(mediaType)) return next();
    try {
      await c.req.parseBody();
    } catch (error) {
      c.get('log').info({ event: 'form.unreadable', path: c.req.path, err: String(error) }, 'malformed form body refused');
      return c.text('The form could not be read. Go back, reload the page and try again.', 400);
    }
    return next();
  };
}
