/**
 * The Node ceiling: the smallest honest reverse proxy on the gateway's own transport. node:http in
 * front, an undici Pool with keep-alive behind (the same settings as gateway/proxy/forward.ts),
 * the response streamed straight into the client socket; hop-by-hop headers dropped (RFC 9110
 * §7.6.1). No session, no policy, no logging: what the gateway costs is measured against this.
 *
 *   node --import tsx bench/raw-proxy.ts <upstream origin> [port]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const origin = process.argv[2];
if (!origin) throw new Error('usage: raw-proxy.ts <upstream origin> [port]');
const pool = new Pool(origin, { connections: 128, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });

function withoutHopByHop(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const server = http.createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.stream(
    { path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers: withoutHopByHop(req.headers), body: hasBody ? req : null },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, withoutHopByHop(headers as Record<string, string | string[]>));
      return res;
    },
  ).catch(() => {
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void pool.close().finally(() => process.exit(0)));
});
