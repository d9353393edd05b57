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
const BLOCKS = 16;

function ephemeralRangeStart(): number {
  try {
    const start = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) ? start : 32_768;
  } catch {
    return 32_768; // Linux's default; elsewhere the probe below still skips a port in use
  }
}

const blockSize = Math.max(0, Math.floor((ephemeralRangeStart() - LOWEST) / BLOCKS));
// RECOURSE_TEST_PORT_SLOT moves a whole checkout's workers to other blocks, so two checkouts
// testing on one machine (git worktrees) never draw the same ports.
const slot = Number(process.env.RECOURSE_TEST_PORT_SLOT) || 0;
const worker = ((Number(process.env.VITEST_POOL_ID) || process.pid) + slot * 3) % BLOCKS;
const blockStart = LOWEST + worker * blockSize;
let nextOffset = 0;

/** Binds `port` on 127.0.0.1 (0: any the kernel picks) and releases it: the port, or undefined if taken. */
function bindAndRelease(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/** A port on 127.0.0.1 that nothing listens on and that no other worker of this run will hand out. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < blockSize; tried++) {
    const port = blockStart + nextOffset;
    nextOffset = (nextOffset + 1) % blockSize;
    if (await bindAndRelease(port)) return port;
  }
  // No block below the ephemeral range on this machine, or all of it in use.
  const port = await bindAndRelease(0);
  if (port === undefined) throw new Error('freePort: cannot bind any port on 127.0.0.1');
  return port;
}
