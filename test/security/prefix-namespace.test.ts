// Attack: borrowing the gateway's own namespace. The prefix (P) belongs to the gateway on every
// host, but a method or path it has no route for (GET P/logout, OPTIONS P/2fa/totp, P/anything)
// could fall through to the proxy and reach the upstream app, with the user's identity headers
// and without the gateway's own response headers. With an upstream that answers CORS permissively
// and a policy that lets OPTIONS through (common for APIs), a cross-origin preflight for the
// gateway's own state-changing routes would then be granted — by the upstream. SECURITY S6 (no
// CORS grant on the gateway's routes), S8 (every answer under P carries the gateway's headers),
// S5 (nothing under P is proxied, so no identity leaves for a gateway path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const EVIL = 'https://evil.example';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let user: TestClient;

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream((req, res) => {
    // The most permissive CORS an app could answer: any origin, with credentials and any header.
    res.writeHead(200, {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST, PUT, DELETE',
      'access-control-allow-headers': 'authorization, content-type, x-csrf-token',
      'content-type': 'text/plain',
    });
    res.end(`upstream ${req.method} ${req.url}`);
  });
  gw = await startTestGateway({
    storage, upstream: upstream.url,
    policy: { access: { default: 'one_factor', rules: [{ methods: ['OPTIONS'], policy: 'bypass' }] } },
  });
  await gw.addUser({ email: 'alice@example.com', password: 'correct horse battery' });
  user = new TestClient(gw.url);
  expect((await user.signIn('alice@example.com', 'correct horse battery')).status).toBe(303);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

const PROBES: Array<[string, string]> = [
  ['GET', '/logout'], ['GET', '/2fa/totp'], ['GET', '/account/sessions/revoke-all'], ['PUT', '/account'],
  ['DELETE', '/admin'], ['GET', '/nothing-here'], ['GET', '/api/v1/nothing'], ['OPTIONS', '/logout'], ['OPTIONS', '/2fa/totp'],
];

describe('the gateway prefix is never proxied (SECURITY S5, S6, S8)', () => {
  it('unrouted methods and paths under P never reach the upstream, signed in or not', async () => {
    const reached: string[] = [];
    for (const client of [user, new TestClient(gw.url)]) {
      for (const [method, path] of PROBES) {
        const before = upstream.seen.length;
        const res = await client.request(`${P}${path}`, {
          method, headers: method === 'OPTIONS' ? { origin: EVIL, 'access-control-request-method': 'POST' } : {},
        });
        await res.arrayBuffer();
        if (upstream.seen.length > before) reached.push(`${method} ${path}`);
      }
    }
    expect(reached).toEqual([]);
  });

  it('their answers are the gateway\'s: no CORS grant, and no-store with the CSP', async () => {
    for (const [method, path] of PROBES) {
      const res = await user.request(`${P}${path}`, {
        method, headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
      await res.arrayBuffer();
      expect(res.headers.get('access-control-allow-origin'), `${method} ${path}`).toBeNull();
      expect(res.headers.get('cache-control'), `${method} ${path}`).toMatch(/no-store/);
      expect(res.headers.get('content-security-policy'), `${method} ${path}`).toMatch(/frame-ancestors 'none'/);
    }
  });

  it('control: the same probes outside P do reach the app', async () => {
    const before = upstream.seen.length;
    const res = await user.request('/logout');
    await res.arrayBuffer();
    expect(upstream.seen.length).toBe(before + 1);
  });
});
