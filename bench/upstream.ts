/**
 * The benchmark's upstream: a plain node:http server answering every request with the same 1 KiB
 * HTML body, keep-alive on; WebSocket handshakes get an echo server (the `ws` package) that sends
 * every message back. Prints `listening <port>` once it accepts connections.
 *
 *   node --import tsx bench/upstream.ts [port]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const FRAME = ['<!doctype html><title>bench</title><p>', '</p>\n'];
const BODY = Buffer.from(FRAME.join('x'.repeat(1024 - FRAME.join('').length)));
if (BODY.length !== 1024) throw new Error(`body is ${BODY.length} bytes, expected 1024`);

const server = http.createServer((req, res) => {
  // Drain any request body so the connection stays reusable.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': BODY.length });
  res.end(BODY);
});
const echo = new WebSocketServer({ noServer: true });
echo.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
server.on('upgrade', (req, socket, head) => echo.handleUpgrade(req, socket, head, (ws) => echo.emit('connection', ws, req)));
// Longer than any proxy's idle pool timeout, so the proxies close idle connections, not us.
server.keepAliveTimeout = 120_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
