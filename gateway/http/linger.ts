import type { IncomingMessage, ServerResponse } from 'node:http';

// nginx's lingering_timeout is 5 s; 8 MiB is far past any form the gateway takes (server.body_limit).
export const LINGER_LIMITS = {
  /** How long the client may stay silent while the rest of its body is read and dropped. */
  idleMs: 5_000,
  /** How much of an unread body is read and dropped before the connection is cut. */
  maxBytes: 8 * 1024 * 1024,
} as const;

/**
 * Lingering close (RFC 9112 §9.6). When the gateway answers before reading a request's whole body
 * (413 for a body over server.body_limit, a refused form), the rest is read and dropped once the
 * answer is sent, so the client can finish sending and read it: closing with unread bytes makes
 * the kernel send a reset, which can destroy the answer in the client's buffers. Bounded by
 * LINGER_LIMITS: a client silent too long, or sending too much, is disconnected. @hono/node-server's
 * own clean-up gives up after 500 ms, less than an event-loop stall under load (issue 9's CI showed it).
 */
export function lingerAfterAnswer(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (incoming.method === 'GET' || incoming.method === 'HEAD') return;
  outgoing.once('finish', () => {
    if (incoming.readableEnded || incoming.destroyed) return;
    let dropped = 0;
    // A web stream wrapping the body (Hono's) pauses it when its queue is full; nobody reads that
    // queue any more, so the body keeps flowing until the end.
    const keepFlowing = () => void incoming.resume();
    const stop = () => {
      clearTimeout(idle);
      incoming.off('data', onData);
      incoming.off('pause', keepFlowing);
      incoming.off('end', stop);
      incoming.off('close', stop);
    };
    const cut = () => {
      stop();
      incoming.socket?.destroy();
    };
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_LIMITS.maxBytes) cut();
      else idle.refresh();
    };
    const idle = setTimeout(cut, LINGER_LIMITS.idleMs);
    idle.unref();
    incoming.on('data', onData);
    incoming.on('pause', keepFlowing);
    incoming.once('end', stop);
    incoming.once('close', stop);
    incoming.resume();
  });
}
