/**
 * A sub-app of `P/api/v1`: @hono/zod-openapi's Hono, whose operations validate with their schemas
 * and refuse as the API does (errors.ts). Each operation goes in behind its guard (`Guard`).
 */
import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Capability } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import { answerApiError, refuseInvalidInput } from './errors.js';

/** An operation as the guard of its capability sees it (operations.ts). */
export type GuardedOperation = RouteConfig & { 'x-recourse-capability': Capability };
/** An operation with its guard in front: `requireAdmin` of its capability, answering JSON. */
export type Guard = <R extends GuardedOperation>(operation: R) => R & { middleware: MiddlewareHandler<AppEnv> };

export function createApiApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalidInput });
  app.onError(answerApiError);
  return app;
}
