import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface SeenHandshake { url: string; headers: http.IncomingHttpHeaders }

/**
 * A WebSocket upstream (the `ws` package): echoes every message as it came (text or binary),
 * chooses `v2.chat` when offered, takes permessage-deflate, and records each handshake.
 * `/refuse` answers the upgrade with a 418 and a body instead, `/flood` sends without end; plain
 * requests get a 200.
 */
export async function startWebSocketUpstream() {
  const handshakes: SeenHandshake[] = [];
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: true,
    handleProtocols: (offered) => (offered.has('v2.chat') ? 'v2.chat' : false),
  });
  // `/flood`: a 1 MiB message every 10 ms (100 MB/s, far below what loopback drains), up to
  // 128 MiB; the most ever waiting in this side's buffer is recorded. It grows only when the far
  // end stops taking bytes: when the gateway, its client paused, stops reading from the app.
  const flood = { mostBuffered: 0 };
  // Random bytes: permessage-deflate cannot shrink them, so every MiB is a MiB on the wire.
  const MIB = randomBytes(1024 * 1024);
  wss.on('connection', (socket, req: http.IncomingMessage) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    if (req.url !== '/flood') return;
    let sent = 0;
    const more = () => {
      if (socket.readyState !== WebSocket.OPEN || sent >= 128) return;
      flood.mostBuffered = Math.max(flood.mostBuffered, socket.bufferedAmount);
      socket.send(MIB);
      sent++;
      setTimeout(more, 10);
    };
    more();
  });
  const server = http.createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req, socket, head) => {
    handshakes.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 418 I\'m a teapot\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nx-refused: yes\r\n\r\nno sockets!\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes,
    flood,
    /** Sockets open on the upstream's side now. */
    open: () => sockets.size,
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type WebSocketUpstream = Awaited<ReturnType<typeof startWebSocketUpstream>>;

export type Handshake = { ok: true; socket: WebSocket } | { ok: false; status: number; body: string; headers: http.IncomingHttpHeaders };

/** Opens a WebSocket through `base` (a gateway), with the given cookies and headers; a refusal is returned, not thrown. */
export function openWebSocket(base: string, path: string, options: { cookie?: string; headers?: Record<string, string>; protocols?: string[]; host?: string } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const url = `${base.replace(/^http/, 'ws')}${path}`;
    const socket = new WebSocket(url, options.protocols ?? [], {
      headers: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.host ? { host: options.host } : {}), ...options.headers },
      perMessageDeflate: true,
    });
    socket.once('open', () => resolve({ ok: true, socket }));
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on('error', reject);
    });
    socket.once('error', reject);
  });
}

/** The next message on `socket`, as text or bytes. */
export function nextMessage(socket: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => socket.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

/** Resolves with how long the socket took to close after this call, or rejects after `withinMs`. */
export function closesWithin(socket: WebSocket, withinMs: number): Promise<number> {
  const started = Date.now();
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${withinMs} ms`)), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}
