// Streams through the proxy pipeline (issue 25 item 3, CONTRACT §8.1): a server-sent event reaches
// the client while the app is still holding the response open, and 100 MB go up and come down with
// the process's memory flat (a gateway that buffered a body would hold all of it at once).
import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';

const PASSWORD = 'streams test password 1';
const TOTAL = 100 * 1024 * 1024;
const CHUNK = 256 * 1024;
// Well under the 100 MB a buffering hop would hold; the rest is the test's own chunks in flight.
const RSS_GROWTH_LIMIT = 60 * 1024 * 1024;

let fixture: ProxiedTestGateway;
let cookie: string;

beforeAll(async () => {
  fixture = await startProxiedTestGateway();
  await fixture.gw.addUser({ email: 'erin@example.com', password: PASSWORD });
  const client = new TestClient(fixture.gw.url);
  expect((await client.signIn('erin@example.com', PASSWORD)).status).toBe(303);
  cookie = client.cookieHeader();
});
afterAll(() => fixture?.close());

/** Peak RSS while `work` runs, sampled every 20 ms, minus RSS before it. */
async function rssGrowthDuring(work: () => Promise<void>): Promise<number> {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - before;
}

function request(path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  const { hostname, port } = new URL(fixture.gw.url);
  return http.request({ hostname, port, path, method: options.method ?? 'GET', headers: { cookie, ...options.headers }, agent: false });
}

describe('server-sent events', () => {
  it('the first event reaches the client before the app ends the response', async () => {
    let finish!: () => void;
    const released = new Promise<void>((resolve) => { finish = resolve; });
    fixture.upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n');
      // The app holds the stream open until the test has seen the first event.
      void released.then(() => res.end('data: last\n\n'));
    });
    const received = await new Promise<string[]>((resolve, reject) => {
      const events: string[] = [];
      const req = request('/events', { headers: { accept: 'text/event-stream' } });
      req.on('response', (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          events.push(chunk);
          if (events.length === 1) finish();
        });
        res.on('end', () => resolve(events));
      });
      req.on('error', reject);
      req.end();
    });
    expect(received[0]).toBe('data: first\n\n');
    expect(received.join('')).toBe('data: first\n\ndata: last\n\n');
  });
});

describe('100 MB each way, memory flat', () => {
  it('an upload streams to the app', async () => {
    let seen = { count: 0, hash: '' };
    fixture.upstream.handle((req, res) => {
      const hash = createHash('sha256');
      let count = 0;
      req.on('data', (chunk: Buffer) => { count += chunk.length; hash.update(chunk); });
      req.on('end', () => {
        seen = { count, hash: hash.digest('hex') };
        res.end('stored');
      });
    });
    const sent = createHash('sha256');
    const growth = await rssGrowthDuring(() => new Promise<void>((resolve, reject) => {
      const req = request('/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) } });
      req.on('response', (res) => {
        expect(res.statusCode).toBe(200);
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      let written = 0;
      const writeMore = () => {
        while (written < TOTAL) {
          const chunk = Buffer.alloc(CHUNK, written / CHUNK);
          sent.update(chunk);
          written += CHUNK;
          if (!req.write(chunk)) return void req.once('drain', writeMore);
        }
        req.end();
      };
      writeMore();
    }));
    expect(seen).toEqual({ count: TOTAL, hash: sent.digest('hex') });
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
  });

  it('a download streams to the client', async () => {
    fixture.upstream.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
      let written = 0;
      const writeMore = () => {
        while (written < TOTAL) {
          const chunk = Buffer.alloc(CHUNK, written / CHUNK);
          written += CHUNK;
          if (!res.write(chunk)) return void res.once('drain', writeMore);
        }
        res.end();
      };
      writeMore();
    });
    let count = 0;
    const growth = await rssGrowthDuring(() => new Promise<void>((resolve, reject) => {
      const req = request('/download');
      req.on('response', (res) => {
        expect(res.statusCode).toBe(200);
        res.on('data', (chunk: Buffer) => { count += chunk.length; });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    }));
    expect(count).toBe(TOTAL);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
  });
});
