/**
 * How `P/api/v1` refuses what it cannot take, always as `{error: {code, message}}` (CONTRACT §5):
 * input its schemas refuse (the validation hook of every operation) and a body that is not JSON
 * at all (the validators' HTTPException). Everything else goes on to the gateway's own error
 * handler, which answers a database outage `503 unavailable` (http/unavailable.tsx).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { refusedParam } from '../../admin/filters.js';
import type { AppEnv } from '../../http/env.js';
import { failureMessage, fieldMessage } from '../admin/outcomes.js';

type Ctx = Context<AppEnv>;
export type ApiErrorStatus = 400 | 401 | 403 | 404 | 409 | 415;

export function apiError<S extends ApiErrorStatus>(c: Ctx, status: S, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

// What the path parameters name, for "There is no such …".
const PATH_OBJECTS: Readonly<Record<string, string>> = { reference: 'request', id: 'user' };

type Validated = { success: true } | { success: false; error: ZodError; target: string };

/**
 * The validation hook: a bad query parameter is `400 invalid_parameter` naming it, a path that
 * names no possible object `404 not_found` (as when the paths carried their own patterns), and a
 * bad body `400 invalid_request` with the sentence the dashboard's forms show for that field.
 */
export function refuseInvalidInput(result: Validated, c: Ctx): Response | undefined {
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  c.get('log').info({ event: 'api.input_refused', path: c.req.path, target: result.target, field }, 'API input refused');
  switch (result.target) {
    case 'query': return apiError(c, 400, 'invalid_parameter', `The ${refusedParam(result.error)} parameter is not valid.`);
    case 'param': return apiError(c, 404, 'not_found', failureMessage({ ok: false, reason: 'not_found' }, PATH_OBJECTS[field]));
    default: return apiError(c, 400, 'invalid_request', field ? fieldMessage(field) : issue?.message ?? 'Send a JSON object.');
  }
}

/** The validators' own refusals (a body that is not JSON, or not declared as JSON) in the API's format. */
export function answerApiError(error: Error, c: Ctx): Response {
  if (error instanceof HTTPException && error.status === 415) {
    return apiError(c, 415, 'unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).');
  }
  if (error instanceof HTTPException && error.status === 400) return apiError(c, 400, 'invalid_request', 'The body is not valid JSON.');
  // Hono's compose passes this on to the gateway's handler (app.tsx), which knows every other kind.
  throw error;
}
