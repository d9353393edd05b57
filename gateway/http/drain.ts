import type { Server } from 'node:http';

/**
 * The HTTP half of a graceful stop: no new connections, requests in flight finish, and each
 * keep-alive connection is closed as soon as its answer is done (it would otherwise sit idle until
 * keepAliveTimeout). A request still unfinished after `limitMs` — an upstream that never answers,
 * a long poll, an upload that stalls — would hold the exit for as long as it lasts, until the
 * supervisor's SIGKILL: its connection is cut then, and `onCut` hears how many were still open.
 * Resolves once every connection is gone.
 */
export function closeWithinLimit(server: Server, limitMs: number, onCut: (openConnections: number) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => {
      // The count is taken now, before the cut (Node passes it on the next tick).
      server.getConnections((_error, count) => onCut(count));
      server.closeAllConnections();
    }, limitMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
