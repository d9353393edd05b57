import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../http/unavailable.js';

/** A dependency readiness waits for; `check` throws when it cannot be reached. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthDeps {
  /** The database first; the directory when one is configured. */
  checks: readonly ReadinessCheck[];
}

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Liveness says the process answers; readiness says it can reach what it needs (fail closed),
 * naming every dependency that failed so an operator sees which one.
 */
export function healthRoutes(deps: HealthDeps) {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(deps.checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS);
        return null;
      } catch (error) {
        c.get('log').warn({ dependency: name, err: String(error) }, `readiness check failed: ${name} unreachable`);
        return name;
      }
    }));
    const failing = results.filter((name): name is string => name !== null);
    if (failing.length === 0) return c.json({ status: 'ready' });
    c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
    return c.json({ status: 'unavailable', reason: failing.map((name) => `${name} unreachable`).join(', '), failing }, 503);
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
