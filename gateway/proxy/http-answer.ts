import type { IncomingMessage, ServerResponse } from 'node:http';
import { messagePageHtml } from '../../views/pages/message.js';
import type { Config } from '../config/schema.js';
import { pageLanguageFromHeaders } from '../http/language.js';
import { lingerAfterAnswer } from '../http/linger.js';
import { DECISION_PAGES, UPSTREAM_FAILURE_PAGES, type MessagePageText } from './message-pages.js';
import type { PassThrough } from './pass-through.js';
import type { Judgement } from './pipeline.js';

/**
 * The HTTP adapter of the proxy pipeline: a judgement becomes the app's answer (streamed), a
 * sign-in or step-up redirect (401 JSON for API clients), a denial or an unavailable page.
 */
export function createHttpAnswer(deps: { config: Config; passThrough: PassThrough; failed(outgoing: ServerResponse, error: unknown): void }) {
  const prefix = deps.config.server.prefix;

  function writePage(outgoing: ServerResponse, page: MessagePageText): void {
    // In the reader's language, as the gateway's own pages (CONTRACT §8.4).
    const headers = outgoing.req?.headers ?? {};
    const language = pageLanguageFromHeaders({ cookie: headers.cookie, acceptLanguage: headers['accept-language'], here: outgoing.req?.url ?? '/' }, deps.config.server.time_zone);
    const html = messagePageHtml({ prefix, title: page.title, message: page.message }, language);
    outgoing.writeHead(page.status, {
      'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store',
      ...(page.retryAfterS ? { 'retry-after': String(page.retryAfterS) } : {}),
    }).end(html);
  }

  function redirect(outgoing: ServerResponse, to: string): void {
    outgoing.writeHead(302, { location: to, 'content-length': 0, 'cache-control': 'no-store' }).end();
  }

  /** Answers without the body being read: the rest of it is read and dropped afterwards. */
  function answerUnread(incoming: IncomingMessage, outgoing: ServerResponse, answer: () => void): void {
    lingerAfterAnswer(incoming, outgoing);
    answer();
  }

  /** Answers a judgement; a failure to answer (a bug, never the app's) is logged and answered 500. */
  return function answerHttp(judgement: Judgement, incoming: IncomingMessage, outgoing: ServerResponse): void {
    if (judgement.kind === 'unknown_site') return answerUnread(incoming, outgoing, () => writePage(outgoing, DECISION_PAGES.unknownSite));
    const { decision } = judgement;
    switch (decision.kind) {
      case 'deny':
      case 'unavailable':
        return answerUnread(incoming, outgoing, () => writePage(outgoing, DECISION_PAGES[decision.kind]));
      case 'sign_in':
        if ((incoming.headers.accept ?? '').includes('application/json')) {
          const body = JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in required' } });
          return answerUnread(incoming, outgoing, () => outgoing.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body));
        }
        return answerUnread(incoming, outgoing, () => redirect(outgoing, `${prefix}/login?rd=${encodeURIComponent(judgement.originalUrl)}`));
      case 'step_up':
        return answerUnread(incoming, outgoing, () => redirect(outgoing, `${prefix}/${decision.to}?rd=${encodeURIComponent(judgement.originalUrl)}`));
      case 'allow':
        deps.passThrough(judgement, decision.session, incoming, outgoing).then((outcome) => {
          if (!outcome.ok) writePage(outgoing, UPSTREAM_FAILURE_PAGES[outcome.failure]);
        }).catch((error: unknown) => deps.failed(outgoing, error));
    }
  };
}

export type HttpAnswer = ReturnType<typeof createHttpAnswer>;
