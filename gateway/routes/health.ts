import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../http/unavailable.js';

export interface HealthDeps {
  ping(): Promise<void>;
}

/** Liveness says the process answers; readiness says it can reach its database (fail closed). */
export function healthRoutes(deps: HealthDeps) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await withTimeout(deps.ping(), 2_000);
      return c.json({ status: 'ready' });
    } catch (error) {
      c.get('log').warn({ err: String(error) }, 'readiness check failed: database unreachable');
      c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      return c.json({ status: 'unavailable', reason: 'database unreachable' }, 503);
    }
  });
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); }),
  ]);
}
