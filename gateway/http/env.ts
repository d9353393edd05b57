import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';
import type { SessionView } from '../session/store.js';

/** What every request carries through the middleware chain. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    clientIp: string;
    log: Logger;
    /** Undefined until the session middleware ran; null for no session. */
    session: SessionView | null | undefined;
    csrfToken: string;
  };
}
