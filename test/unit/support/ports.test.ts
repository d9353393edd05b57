import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../support/ports.js';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  it('hands out bindable ports below the kernel ephemeral range, a different one each time', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeLessThan(32_768);
      const server = await listen(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('skips a port something already listens on', async () => {
    const first = await freePort();
    const held = await listen(first + 1);
    try {
      expect(await freePort()).toBe(first + 2);
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
  });
});
