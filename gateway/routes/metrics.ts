import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import type { Metrics } from '../metrics/registry.js';

/** Prometheus text exposition of the gateway's registry. */
export function metricsRoutes(metrics: Metrics, refresh: () => Promise<void>) {
  const app = new Hono<AppEnv>();
  app.get('/metrics', async (c) => {
    await refresh().catch(() => {});
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
  });
  return app;
}
