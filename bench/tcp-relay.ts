/**
 * The Node ceiling for WebSockets: a raw TCP relay, each client connection piped to a new
 * connection to the upstream, bytes untouched. No HTTP, no session, no policy: what the gateway's
 * WebSocket relay costs is measured against this.
 *
 *   node --import tsx bench/tcp-relay.ts <upstream port> [port]
 */
import net from 'node:net';

const upstreamPort = Number(process.argv[2]);
if (!upstreamPort) throw new Error('usage: tcp-relay.ts <upstream port> [port]');

const server = net.createServer((client) => {
  const upstream = net.connect(upstreamPort, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as net.AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
