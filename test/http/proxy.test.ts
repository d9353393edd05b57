import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

type Upstream = Awaited<ReturnType<typeof startEchoUpstream>>;
const PASSWORD = 'proxy test password 1';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let echo: Upstream;
let slow: Upstream;
/** The main gateway: one app on "*", default timeouts, no trusted proxies. */
let gw: TestGateway;
/** A second gateway: host routing, 1s proxy timeout, a dead upstream, 127.0.0.1 as a trusted proxy. */
let routed: TestGateway;
let session: string;
let deadPort: number;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

interface RawAnswer { status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }

/** A request through node:http, which (unlike fetch) lets a test send Host, Connection, TE and friends. */
function raw(base: string, path: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // host/port/path, not a URL string: WHATWG URL parsing would normalise the path before it is sent.
    const { hostname, port } = new URL(base);
    const req = http.request({ hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const headerNames = (rawHeaders: readonly string[]) => rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());

beforeAll(async () => {
  storage = await openTestStorage();
  echo = await startEchoUpstream();
  slow = await startEchoUpstream();
  deadPort = await freePort();
  gw = await startTestGateway({ storage, upstream: echo.url });
  routed = await startTestGateway({
    storage,
    config: {
      server: { trust_proxy: ['127.0.0.1'] },
      proxy: { timeout: '1s' },
      apps: [
        { name: 'slow', host: 'slow.test', upstream: slow.url },
        { name: 'dead', host: 'dead.test', upstream: `http://127.0.0.1:${deadPort}` },
        { name: 'echo', host: '*', upstream: echo.url },
      ],
    },
  });
  await gw.addUser({ email: 'proxy@example.com', password: PASSWORD, name: 'Proxy User' });
  const client = new TestClient(gw.url);
  expect((await client.signIn('proxy@example.com', PASSWORD)).status).toBe(303);
  session = client.cookieHeader();
  expect(session).toMatch(/recourse_session=/);
});
afterAll(async () => {
  await gw?.close();
  await routed?.close();
  await echo?.close();
  await slow?.close();
  await storage?.close();
});
beforeEach(() => {
  echo.handle((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'echo' });
    res.end(`hello ${req.method} ${req.url}`);
  });
});

describe('streaming', () => {
  it('hands the client the first chunk before the upstream has finished', async () => {
    const release = deferred();
    echo.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk|');
      await release.promise;
      res.end('second chunk');
    });
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${gw.url}/stream`, { headers: { cookie: session }, agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // Only now may the upstream finish: a buffering proxy would never get here.
          if (text.includes('first chunk|')) release.resolve();
        });
        res.on('end', () => resolve(text));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    expect(body).toBe('first chunk|second chunk');
  });

  // A plain and an escaped path: both through the one proxy pipeline.
  it.each(['/upload', '/upload%2Dfile'])('streams a 50 MiB upload to %s: the upstream sees bytes before the client has finished, and all of them', async (path) => {
    const TOTAL = 50 * 1024 * 1024;
    const CHUNK = 256 * 1024;
    const firstBytesArrived = deferred();
    echo.handle((req, res) => {
      let count = 0;
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => {
        count += chunk.length;
        hash.update(chunk);
        firstBytesArrived.resolve();
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${count} ${hash.digest('hex')}`);
      });
    });
    const sent = createHash('sha256');
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = http.request(`${gw.url}${path}`, {
        method: 'POST', agent: false,
        headers: { cookie: session, 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      void (async () => {
        for (let offset = 0, index = 0; offset < TOTAL; offset += CHUNK, index++) {
          // Hold back the rest of the body until the upstream has seen the start of it.
          if (offset === CHUNK * 4) await firstBytesArrived.promise;
          const chunk = Buffer.alloc(CHUNK, index % 251);
          sent.update(chunk);
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(reject);
    });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe(`${TOTAL} ${sent.digest('hex')}`);
  });
});

describe('responses pass through unchanged', () => {
  it.each([301, 302, 307])('an upstream %i redirect reaches the client with its Location, not followed', async (status) => {
    echo.handle((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(status, { location: status === 302 ? '/elsewhere?x=1' : 'https://other.example/new' });
        res.end();
      } else {
        res.writeHead(500);
        res.end('followed');
      }
    });
    const before = echo.seen.length;
    const res = await raw(gw.url, '/moved', { headers: { cookie: session } });
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(status === 302 ? '/elsewhere?x=1' : 'https://other.example/new');
    expect(echo.seen.length).toBe(before + 1);
  });

  it('keeps several Set-Cookie headers separate', async () => {
    echo.handle((_req, res) => {
      res.setHeader('set-cookie', ['app_a=1; Path=/; HttpOnly', 'app_b=2, with comma; Path=/', 'app_c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT']);
      res.end('ok');
    });
    const res = await fetch(`${gw.url}/cookies`, { headers: { cookie: session } });
    expect(res.headers.getSetCookie()).toEqual(['app_a=1; Path=/; HttpOnly', 'app_b=2, with comma; Path=/', 'app_c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT']);
  });

  it('answers HEAD with the headers and no body', async () => {
    echo.handle((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11', 'x-method': req.method ?? '' });
      res.end(req.method === 'HEAD' ? undefined : 'hello world');
    });
    const res = await raw(gw.url, '/head', { method: 'HEAD', headers: { cookie: session } });
    expect(res.status).toBe(200);
    expect(res.headers['x-method']).toBe('HEAD');
    expect(res.headers['content-length']).toBe('11');
    expect(res.body.length).toBe(0);
    expect(echo.last()?.method).toBe('HEAD');
  });

  it('passes 204 and 304 through without a body', async () => {
    echo.handle((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
      } else {
        res.writeHead(204, { 'x-empty': 'yes' });
      }
      res.end();
    });
    const empty = await raw(gw.url, '/nothing', { method: 'DELETE', headers: { cookie: session } });
    expect(empty.status).toBe(204);
    expect(empty.headers['x-empty']).toBe('yes');
    expect(empty.body.length).toBe(0);
    const cached = await raw(gw.url, '/cached', { headers: { cookie: session, 'if-none-match': '"v1"' } });
    expect(cached.status).toBe(304);
    expect(cached.headers.etag).toBe('"v1"');
    expect(cached.body.length).toBe(0);
    // The connection is still usable afterwards.
    expect((await raw(gw.url, '/after', { headers: { cookie: session } })).status).toBe(204);
  });

  it('sends query strings and encoded paths to the upstream byte for byte', async () => {
    const paths = [
      '/a%2Fb/%E2%82%AC?q=%20+x&a=1&a=2&empty=&flag',
      '/sp%20ace/%2e%2e/x;param=1?redirect=https%3A%2F%2Fexample.com%2F%3Fa%3Db',
      '/bad%zzpercent?x=%zz',
      '/UPPER/%7Euser?%26=%3D',
    ];
    for (const path of paths) {
      const res = await raw(gw.url, path, { headers: { cookie: session } });
      expect(res.status, path).toBe(200);
      expect(echo.last()?.url).toBe(path);
    }
  });
});

describe('header hygiene', () => {
  it('drops hop-by-hop headers in both directions and sets X-Forwarded-*', async () => {
    echo.handle((_req, res) => {
      res.writeHead(200, [
        'Content-Type', 'text/plain',
        'Connection', 'x-hop-down',
        'X-Hop-Down', 'upstream-private',
        'Keep-Alive', 'timeout=7, max=3',
        'Upgrade', 'h2c',
        'Proxy-Authenticate', 'Basic realm="x"',
        'X-End-To-End', 'kept',
      ]);
      res.end('ok');
    });
    const res = await raw(gw.url, '/hops', {
      headers: {
        host: 'app.example:8080',
        cookie: session,
        connection: 'x-foo, X-Bar',
        'x-foo': 'hop only',
        'x-bar': 'hop only',
        'keep-alive': 'timeout=5',
        te: 'trailers',
        upgrade: 'h2c',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-end-to-end': 'kept',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'gopher',
        'x-forwarded-host': 'evil.example',
      },
    });
    expect(res.status).toBe(200);
    const seen = echo.last()!;
    const up = headerNames(seen.rawHeaders);
    for (const name of ['x-foo', 'x-bar', 'te', 'upgrade', 'proxy-authorization']) expect(up, name).not.toContain(name);
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers.connection ?? '').not.toMatch(/x-foo/i);
    expect(seen.headers['x-end-to-end']).toBe('kept');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('app.example:8080');
    expect(seen.headers.host).toBe('app.example:8080');

    const down = headerNames(res.rawHeaders);
    for (const name of ['x-hop-down', 'upgrade', 'proxy-authenticate']) expect(down, name).not.toContain(name);
    // The gateway's own connection may be keep-alive; the upstream's values never pass.
    expect(res.headers.connection ?? '').not.toMatch(/x-hop-down/i);
    expect(res.headers['keep-alive'] ?? '').not.toBe('timeout=7, max=3');
    expect(res.headers['x-end-to-end']).toBe('kept');
  });

  it('removes the gateway session and CSRF cookies and keeps every other cookie', async () => {
    const csrf = 'recourse_session_csrf=some-token';
    const res = await raw(gw.url, '/cookies', { headers: { cookie: `theme=dark;${session}; ${csrf};  lang=de; app_session=abc` } });
    expect(res.status).toBe(200);
    expect(echo.last()!.headers.cookie).toBe('theme=dark; lang=de; app_session=abc');

    await raw(gw.url, '/cookies', { headers: { cookie: `${session}; ${csrf}` } });
    expect(echo.last()!.headers.cookie).toBeUndefined();
  });

  it('replaces a client X-Forwarded-For when the peer is not trusted', async () => {
    await raw(gw.url, '/xff', { headers: { cookie: session, 'x-forwarded-for': '198.51.100.1, 10.0.0.2' } });
    expect(echo.last()!.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('keeps and extends the X-Forwarded-For chain from a trusted proxy, and believes its proto', async () => {
    await raw(routed.url, '/xff', { headers: { cookie: session, 'x-forwarded-for': '198.51.100.1, 10.0.0.2', 'x-forwarded-proto': 'https' } });
    const seen = echo.last()!;
    expect(seen.headers['x-forwarded-for']).toBe('198.51.100.1, 10.0.0.2, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('https');
  });
});

describe('upstream failures', () => {
  it('answers 502 with a page when the upstream cannot be reached, and counts it as a 5xx of that app', async () => {
    const failures = async () => Number(/recourse_proxy_requests_total\{app="dead",status="5xx"\} (\d+)/.exec(await routed.running.metrics.registry.metrics())?.[1] ?? 0);
    const before = await failures();
    const res = await raw(routed.url, '/', { headers: { host: 'dead.test', cookie: session } });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body.toString()).toContain('The application is unavailable');
    expect(await failures()).toBe(before + 1);
  });

  it('answers 504 when the upstream does not answer within proxy.timeout', async () => {
    const release = deferred();
    slow.handle(async (_req, res) => {
      await release.promise;
      res.end('too late');
    });
    try {
      const res = await raw(routed.url, '/slow', { headers: { host: 'slow.test', cookie: session } });
      expect(res.status).toBe(504);
      expect(res.body.toString()).toContain('The application is not responding');
    } finally {
      release.resolve();
    }
  });
});

describe('routing by Host', () => {
  it('sends an exact host to its app and any other host to the "*" app, on one port', async () => {
    slow.handle((_req, res) => res.end('from slow'));
    const toSlow = await raw(routed.url, '/which', { headers: { host: 'slow.test', cookie: session } });
    expect(toSlow.body.toString()).toBe('from slow');
    expect(slow.last()!.headers.host).toBe('slow.test');
    const toSlowWithPort = await raw(routed.url, '/which', { headers: { host: `SLOW.test:${routed.running.port}`, cookie: session } });
    expect(toSlowWithPort.body.toString()).toBe('from slow');
    const toEcho = await raw(routed.url, '/which', { headers: { host: 'anything.test', cookie: session } });
    expect(toEcho.body.toString()).toBe('hello GET /which');
    expect(echo.last()!.headers.host).toBe('anything.test');
  });

  it('refuses an anonymous request on every host before it reaches an app', async () => {
    const before = slow.seen.length;
    const res = await raw(routed.url, '/which', { headers: { host: 'slow.test' } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(/^\/\.recourse\/login\?rd=/);
    expect(slow.seen.length).toBe(before);
  });
});
