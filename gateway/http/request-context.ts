import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { newRequestId } from '../core/request-id.js';
import type { AppEnv } from './env.js';

/** Request id, client IP and a child logger, before anything else runs. */
export function requestContext(deps: { logger: Logger; clientIp: { resolve(peer: string | undefined, xff: string | undefined): string } }): MiddlewareHandler<AppEnv> {
  // Not async: handing on next()'s promise saves a promise per request.
  return function requestContextMiddleware(c, next) {
    const requestId = newRequestId();
    const clientIp = deps.clientIp.resolve(c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1', c.req.header('x-forwarded-for'));
    c.set('requestId', requestId);
    c.set('clientIp', clientIp);
    c.set('log', deps.logger.child({ requestId }));
    c.set('session', undefined);
    return next();
  };
}
