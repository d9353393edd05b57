import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface SeenHandshake { url: string; headers: http.IncomingHttpHeaders }

/**
 * A WebSocket upstream (the `ws` package): echoes every message as it came (text or binary),
 * chooses `v2.chat` when offered, takes permessage-deflate, and records each handshake.
 * `/refuse` answers the upgrade with a 418 and a body instead, `/flood` sends 256 MiB as fast as
 * the gateway takes it (see createFlood); plain requests get a 200.
 */
export async function startWebSocketUpstream() {
  const handshakes: SeenHandshake[] = [];
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: true,
    handleProtocols: (offered) => (offered.has('v2.chat') ? 'v2.chat' : false),
  });
  const flood = createFlood();
  wss.on('connection', (socket, req: http.IncomingMessage) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    if (req.url === '/flood') flood.start(socket);
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
    /** The last `/flood` socket's progress. */
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

// 256 MiB: far more than the socket buffers of both hops hold (Linux loopback: some tens of MiB).
const FLOOD_MESSAGES = 256;

/**
 * `/flood`: 256 binary messages of 1 MiB, uncompressed (random bytes, so every MiB is a MiB on the
 * wire), each sent once the kernel took the one before. `handed()` is how many bytes the kernel took
 * (one message at a time, as Node batches writes that queue up and reports them together). It stops
 * growing when the far end (the gateway) stops reading; a gateway that reads on regardless takes all.
 */
function createFlood() {
  const MIB = randomBytes(1024 * 1024);
  let handed = 0;
  let waiting = false;
  return {
    start(socket: WebSocket) {
      handed = 0;
      const next = (error?: Error) => {
        waiting = false;
        if (error || socket.readyState !== WebSocket.OPEN || handed >= FLOOD_MESSAGES * MIB.length) return;
        waiting = true;
        socket.send(MIB, { binary: true, compress: false }, (failed) => {
          if (!failed) handed += MIB.length;
          next(failed);
        });
      };
      next();
    },
    handed: () => handed,
    /** Whether a message is still waiting for the kernel to take it. */
    waiting: () => waiting,
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
