/**
 * The proxy lane (gateway/proxy/lane.ts) serves allowed requests without Hono, and claims to ask
 * the access policy exactly what the Hono route would. Attack: a path or Host spelling that the
 * lane reads differently from Hono, so that a request the route would deny (or send to sign-in)
 * passes through the lane. These tests hold the claim against the installed hono and
 * @hono/node-server, and against a running gateway.
 */
import { rawRequest } from '../support/raw-http.js';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainHost, plainRequestPath } from '../../gateway/proxy/lane.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const PREFIX = '/.recourse';

/** Deterministic pseudo-random targets over the characters that matter to path parsing. */
function fuzzTargets(count: number): string[] {
  const pieces = ['a', 'Z', '0', '/', '/', '.', '..', '%2e', '%2E', '%2f', '%41', '%25', '%', ';', ':', '@', '!', '$', '&', "'", '(', '*', '+', ',', '=', '[', ']', '~', '_', '-', '?', '#', '\\', '"', '{', '|', '^', '`', 'é'];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => `/${Array.from({ length: 1 + Math.floor(next() * 8) }, () => pieces[Math.floor(next() * pieces.length)]).join('')}`);
}

describe('the lane reads paths and hosts as Hono does', () => {
  let server: ReturnType<typeof serve>;
  let port: number;
  beforeAll(async () => {
    const app = new Hono();
    app.all('*', (c) => c.text(c.req.path));
    await new Promise<void>((resolve) => { server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve()); });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('gives the path Hono gives for every target it claims, hand-picked and fuzzed', async () => {
    const targets = [
      '/some/page', '/some/page?x=1&y=%2e%2e', '/Admin', "/a/!$&'()*+,;=:@[]~_-.", '/a;jsessionid=1/../b', '/.well-known/x',
      '/%61dmin', '/public/../admin', '/public/%2e%2e/admin', '/a/./b', '/a\\..\\b', ...fuzzTargets(400),
    ];
    let claimed = 0;
    for (const target of targets) {
      const lanePath = plainRequestPath(target, PREFIX);
      if (lanePath === undefined) continue;
      const answer = await rawRequest(port, target, ['Host: app.example']);
      if (answer.status === 400) continue; // Node's parser refused it: no listener, lane or Hono, ever sees it
      claimed++;
      expect(answer.body, target).toBe(lanePath);
    }
    expect(claimed).toBeGreaterThan(60);
  });

  it('claims only Host headers that Hono takes as they are', async () => {
    const hosts = ['app.example', 'app.example:8443', '127.0.0.1:30000', 'App.Example', 'app.example:80', '0x7f.1', 'xn--bcher-kva.example', 'a_b.example', 'app.example.', '[::1]:8080', 'app.example:99999', 'app.example:61000'];
    for (const host of hosts) {
      if (plainHost({ headers: { host }, rawHeaders: ['Host', host] }) === undefined) continue;
      const answer = await rawRequest(port, '/x', [`Host: ${host}`]);
      expect(answer.status, host).toBe(200);
    }
  });
});

describe('a running gateway answers a path the same through the lane and through Hono', () => {
  const POLICY = {
    access: {
      default: 'one_factor',
      rules: [
        { paths: ['/secret/**'], policy: 'deny' },
        { paths: ['/public/**'], policy: 'bypass' },
        { paths: ['/staff/**'], roles: ['customer'], policy: 'deny' },
      ],
    },
  };
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let echo: Awaited<ReturnType<typeof startEchoUpstream>>;
  let gw: TestGateway;
  let port: number;
  let cookie: string;
  beforeAll(async () => {
    storage = await openTestStorage();
    echo = await startEchoUpstream();
    gw = await startTestGateway({ storage, upstream: echo.url, policy: POLICY });
    port = Number(new URL(gw.url).port);
    await gw.addUser({ email: 'lane@example.com', password: 'lane test password 1', type: 'customer', name: 'Lane User' });
    const client = new TestClient(gw.url);
    expect((await client.signIn('lane@example.com', 'lane test password 1')).status).toBe(303);
    cookie = client.cookieHeader();
  });
  afterAll(async () => {
    await gw?.close();
    await echo?.close();
    await storage?.close();
  });

  // Each pair names one resource: the first spelling takes the lane, the second (escaped) goes through Hono.
  const PAIRS: Array<[string, string]> = [
    ['/secret/plans', '/secret/%70lans'],
    ['/public/logo', '/public/%6cogo'],
    ['/staff/rota', '/staff/%72ota'],
    ['/app/page', '/app/%70age'],
  ];

  for (const signedIn of [false, true]) {
    it(`gives both spellings the same answer ${signedIn ? 'for a signed-in customer' : 'for a visitor'}`, async () => {
      for (const [plain, escaped] of PAIRS) {
        expect(plainRequestPath(plain, PREFIX)).toBe(plain);
        expect(plainRequestPath(escaped, PREFIX)).toBeUndefined();
        const headers = ['Host: app.example', ...(signedIn ? [`Cookie: ${cookie}`] : [])];
        const [viaLane, viaHono] = [await rawRequest(port, plain, headers), await rawRequest(port, escaped, headers)];
        expect(viaLane.status, plain).toBe(viaHono.status);
        const location = (answer: { headers: string }) => /\r\nlocation: ([^\r]*)/i.exec(answer.headers)?.[1]?.replace(escaped, plain).replace(encodeURIComponent(escaped), encodeURIComponent(plain));
        expect(location(viaLane), plain).toBe(location(viaHono));
      }
    });
  }

  it('sends the upstream the same identity and forwarding headers both ways', async () => {
    const seenBy = async (target: string) => {
      await rawRequest(port, target, ['Host: app.example', `Cookie: ${cookie}; theme=dark`]);
      const { headers } = echo.last()!;
      return { ...headers, 'x-request-id': typeof headers['x-request-id'] } as Record<string, unknown>;
    };
    const viaLane = await seenBy('/app/page');
    const viaHono = await seenBy('/app/%70age');
    expect(viaLane['remote-email']).toBe('lane@example.com');
    expect(viaLane.cookie).toBe('theme=dark');
    expect(viaLane).toEqual(viaHono);
  });
});
