import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import type { RouteDeps } from './deps.js';

export function webauthnRoutes(_deps: RouteDeps) {
  const app = new Hono<AppEnv>();
  return app;
}
