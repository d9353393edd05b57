/**
 * The pages the proxy answers with when the answer is not the app's own (proxy/http-answer.ts).
 */
import { translatable } from '../i18n/i18n.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../http/unavailable.js';

export type MessageStatus = 400 | 403 | 404 | 502 | 503 | 504;

export interface MessagePageText { status: MessageStatus; title: string; message: string; retryAfterS?: number }

export const DECISION_PAGES = {
  deny: { status: 403, title: translatable('Access denied'), message: translatable('You do not have access to this page.') },
  // The session store (database) is down: a 503 with Retry-After like every gateway route (http/unavailable.tsx).
  unavailable: { status: 503, title: translatable('Temporarily unavailable'), message: translatable('Sign-in is unavailable right now. Try again in a moment.'), retryAfterS: UNAVAILABLE_RETRY_AFTER_S },
  unknownSite: { status: 404, title: translatable('Unknown site'), message: translatable('No application is configured for this address.') },
} as const satisfies Record<string, MessagePageText>;

/** CONTRACT §4: 502 when the app cannot be reached, 504 when it does not answer in time. */
export const UPSTREAM_FAILURE_PAGES = {
  unreachable: { status: 502, title: translatable('The application is unavailable'), message: translatable('It could not be reached. Try again in a moment.') },
  timeout: { status: 504, title: translatable('The application is not responding'), message: translatable('It took too long to answer. Try again in a moment.') },
  // The app's identity assertion could not be signed (its keys are in the database).
  unavailable: DECISION_PAGES.unavailable,
} as const satisfies Record<string, MessagePageText>;
