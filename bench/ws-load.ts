/**
 * WebSocket load: `connections` sockets, each sending a 64-byte message and waiting for its echo
 * before the next, for `seconds`; prints `{"messages":…,"seconds":…}`. With `hold`, it opens the
 * sockets and keeps them idle instead, printing `open <n>` once all are open, until SIGTERM.
 *
 *   node --import tsx bench/ws-load.ts <ws url> <cookie> <connections> <seconds|hold>
 */
import { WebSocket } from 'ws';

const [url, cookie, connectionsText, mode] = process.argv.slice(2);
if (!url || cookie === undefined || !connectionsText || !mode) throw new Error('usage: ws-load.ts <ws url> <cookie> <connections> <seconds|hold>');
const connections = Number(connectionsText);
const MESSAGE = Buffer.alloc(64, 120);

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url!, { headers: cookie ? { cookie } : {}, perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

async function openAll(): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  // In batches, so a thousand handshakes do not all queue at once.
  for (let i = 0; i < connections; i += 100) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(100, connections - i) }, open)));
  }
  return sockets;
}

const sockets = await openAll();
if (mode === 'hold') {
  process.stdout.write(`open ${sockets.length}\n`);
  process.once('SIGTERM', () => {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  });
} else {
  const until = performance.now() + Number(mode) * 1000;
  let messages = 0;
  const started = performance.now();
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => {
    socket.on('message', () => {
      messages++;
      if (performance.now() < until) socket.send(MESSAGE);
      else resolve();
    });
    socket.send(MESSAGE);
  })));
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.terminate();
  process.stdout.write(`${JSON.stringify({ messages, seconds })}\n`);
  process.exit(0);
}
