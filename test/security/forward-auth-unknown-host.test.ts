/**
 * The attack (issue 32, finding 6): a proxy that builds the original URL from the client's Host
 * (the old nginx guide's `$http_host` in a server block that was nginx's default for every Host)
 * lets `Host: public.test` on the protected app's server be judged by public.test's bypass rule.
 * docs/forward-auth.md now builds the URL from the named server's `$host` behind a `default_server`
 * that answers 444 (test/integration/nginx-auth-request.test.ts runs that attack through nginx);
 * here the second wall: `P/verify` refuses a forwarded host that is not a configured app, and
 * reads every spelling of a configured one as that app (gateway/core/host.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({
    storage,
    appHosts: ['protected.test', 'public.test'],
    policy: { access: { default: 'one_factor', rules: [{ hosts: ['public.test', 'unlisted.test'], policy: 'bypass' }] } },
    config: { server: { trust_proxy: ['127.0.0.1/32'] } },
  });
  await gw.addUser({ email: 'alice@example.com', password: PASSWORD });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const nginx = (url: string) => ({ 'x-original-url': url, 'x-original-method': 'GET' });
const caddy = (host: string, uri = '/') => ({ 'x-forwarded-method': 'GET', 'x-forwarded-proto': 'https', 'x-forwarded-host': host, 'x-forwarded-uri': uri });

describe('P/verify asks only about configured apps', () => {
  it('refuses a host that is no app with 403 and a message, even where a bypass rule names it', async () => {
    const client = new TestClient(gw.url);
    for (const headers of [nginx('http://unlisted.test/'), caddy('unlisted.test'), nginx('http://elsewhere.test:8080/x'), caddy('UNLISTED.TEST.')]) {
      const res = await client.request(`${P}/verify`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.text()).toBe('No application is configured for this host.');
      expect(res.headers.get('location')).toBeNull();
    }
  });

  it('refuses it for a signed-in user too, with no identity', async () => {
    const client = new TestClient(gw.url);
    expect((await client.signIn('alice@example.com', PASSWORD)).status).toBe(303);
    expect((await client.request(`${P}/verify`, { headers: nginx('http://protected.test/') })).status).toBe(200);
    const res = await client.request(`${P}/verify`, { headers: nginx('http://unlisted.test/') });
    expect(res.status).toBe(403);
    expect(res.headers.get('remote-user')).toBeNull();
  });

  it('reads every spelling of a configured app as that app', async () => {
    const client = new TestClient(gw.url);
    for (const host of ['public.test', 'public.test.', 'PUBLIC.TEST', 'public.test:8443']) {
      expect((await client.request(`${P}/verify`, { headers: nginx(`https://${host}/docs`) })).status, host).toBe(200);
      expect((await client.request(`${P}/verify`, { headers: caddy(host, '/docs') })).status, host).toBe(200);
    }
    for (const host of ['protected.test', 'protected.test.', 'Protected.Test:8443']) {
      const res = await client.request(`${P}/verify`, { headers: nginx(`https://${host}/docs`) });
      expect(res.status, host).toBe(401);
      // The URL to return to is spelled as the host was read.
      const rd = new URL(res.headers.get('location')!).searchParams.get('rd');
      expect(rd, host).toBe(host.includes(':') ? 'https://protected.test:8443/docs' : 'https://protected.test/docs');
    }
  });

  it('refuses a malformed forwarded host with 400', async () => {
    const client = new TestClient(gw.url);
    for (const host of ['public..test', 'public.test:0', 'public.test,protected.test']) {
      expect((await client.request(`${P}/verify`, { headers: caddy(host) })).status, host).toBe(400);
    }
  });
});
