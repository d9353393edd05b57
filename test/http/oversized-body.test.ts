import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { LINGER_LIMITS } from '../../gateway/http/linger.js';

const P = '/.recourse';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

interface Exchange { response: string; sentAll: boolean; error?: string }

/**
 * Sends a POST whose body arrives in parts with pauses between them over a raw socket, then a GET
 * of healthz on the same connection, and collects everything the gateway answers until it closes
 * the connection or goes quiet.
 */
function slowPost(path: string, parts: Array<{ bytes: number; pauseMs: number }>): Promise<Exchange> {
  const url = new URL(gw.url);
  const length = parts.reduce((sum, part) => sum + part.bytes, 0);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let response = '';
    let error: string | undefined;
    let sentAll = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(quiet);
      socket.destroy();
      resolve({ response, sentAll, ...(error ? { error } : {}) });
    };
    socket.on('data', (chunk) => { response += chunk.toString('latin1'); });
    socket.on('error', (e: NodeJS.ErrnoException) => { error = e.code ?? e.message; });
    socket.on('close', finish);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${length}\r\n\r\n`);
    void (async () => {
      for (const part of parts) {
        await new Promise((r) => setTimeout(r, part.pauseMs));
        if (socket.destroyed) return;
        socket.write(Buffer.alloc(part.bytes, 0x61));
      }
      await new Promise((r) => setTimeout(r, 200));
      if (socket.destroyed) return;
      socket.write(`GET ${P}/healthz HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      sentAll = true;
      // A kept-alive connection stays open: stop listening once it is quiet.
      quiet = setTimeout(finish, 1_000);
    })();
  });
}

describe('a body over server.body_limit', () => {
  it('is answered 413 at once, and a client still sending it slowly may finish and go on', async () => {
    const limit = gw.config.server.body_limit;
    // The client pauses longer than @hono/node-server's own clean-up waits (500 ms).
    const exchange = await slowPost(`${P}/login`, [{ bytes: 10_000, pauseMs: 0 }, { bytes: limit, pauseMs: 1_500 }, { bytes: 1_000, pauseMs: 300 }]);
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.response).toContain('Request body too large');
    expect(exchange.error).toBeUndefined();
    expect(exchange.sentAll).toBe(true);
    // The body was read to its end, so the connection still serves the next request.
    expect(exchange.response.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
  });

  it('is cut off when the client goes silent for longer than the linger allows', async () => {
    const limit = gw.config.server.body_limit;
    const started = Date.now();
    // 2 × body_limit declared, a tenth sent, then nothing.
    const exchange = await slowPost(`${P}/login`, [{ bytes: Math.round(limit / 10), pauseMs: 0 }, { bytes: limit * 2 - Math.round(limit / 10), pauseMs: 8_000 }]);
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.sentAll).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LINGER_LIMITS.idleMs - 100);
  }, 20_000);
});
