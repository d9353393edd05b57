import fs from 'node:fs';
import net from 'node:net';

/**
 * Ports for servers a test starts a moment after choosing the port (a child gateway binds it
 * seconds later, once PGlite has started). A port taken with listen(0) and closed again goes back
 * to the kernel's ephemeral pool, where the other test worker's next listen(0) can draw it before
 * our server binds it: an EADDRINUSE in a before-all hook, once in many runs. So ports come from
 * below the ephemeral range, which the kernel never hands out by itself, in one block per worker,
 * each checked free by binding it.
 */
const LOWEST = 10_000;
const BLOCKS = 8;

function ephemeralRangeStart(): number {
  try {
    const start = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) ? start : 32_768;
  } catch {
    return 32_768; // Linux's default; elsewhere the probe below still skips a port in use
  }
}

const blockSize = Math.max(0, Math.floor((ephemeralRangeStart() - LOWEST) / BLOCKS));
const worker = (Number(process.env.VITEST_POOL_ID) || process.pid) % BLOCKS;
const blockStart = LOWEST + worker * blockSize;
let nextOffset = 0;

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on and that no other worker of this run will hand out. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < blockSize; tried++) {
    const port = blockStart + nextOffset;
    nextOffset = (nextOffset + 1) % blockSize;
    if (await canBind(port)) return port;
  }
  return kernelPort(); // no block below the ephemeral range on this machine, or all of it in use
}
