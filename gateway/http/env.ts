import type { HttpBindings } from '@hono/node-server';
import type { Logger } from 'pino';
import type { UserFactors } from '../factors/summary.js';
import type { AdminPass, ApiAdmin } from '../routes/guards/admin.js';
import type { Translate } from '../i18n/i18n.js';
import type { Language } from '../i18n/languages.js';
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
    /** gateway/http/language.tsx: the page language and its message function. */
    language: Language;
    t: Translate;
    // Set by the guards (routes/guards) and read only behind them: a route that reads one names
    // the guard that sets it in its own middleware list.
    /** requireSession / requireSecondFactor: the session they let through. */
    signedIn: SessionView;
    /** requireSecondFactor({enrolment: true}): the second factors the user holds now. */
    factors: UserFactors;
    /** requireAdmin on a page: the acting administrator and the dashboard frame. */
    admin: AdminPass;
    /** requireAdmin({answer: 'json'}): the acting administrator, by token or session. */
    apiAdmin: ApiAdmin;
  };
}
