import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

/**
 * `GET P/verify` for nginx `auth_request`, Traefik `forwardAuth` and Caddy `forward_auth`, through
 * the real server. The test client connects from 127.0.0.1, which `trust_proxy` lists: it plays
 * the proxy. A second gateway without `trust_proxy` plays the same requests from an untrusted peer.
 */
const P = '/.recourse';
const POLICY = {
  access: {
    default: 'one_factor',
    rules: [
      { hosts: ['public.example'], policy: 'bypass' },
      { hosts: ['secure.example'], policy: 'two_factor' },
      { hosts: ['closed.example'], policy: 'deny' },
    ],
  },
};
const PASSWORD = 'correct horse battery';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let untrusted: TestGateway;
let aliceId: string;
const clock = new FixedClock('2026-03-01T09:00:00Z');

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: POLICY, config: { server: { trust_proxy: ['127.0.0.1/32'] } } });
  untrusted = await startTestGateway({ storage, clock, policy: POLICY });
  aliceId = await gw.addUser({ email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
  await gw.addUser({ email: 'tom@example.com', password: PASSWORD, name: 'Tom' });
});
afterAll(async () => {
  await untrusted?.close();
  await gw?.close();
  await storage?.close();
});

/** What nginx sends: the original URL and method. */
const nginx = (url: string, method = 'GET') => ({ 'x-original-url': url, 'x-original-method': method });
/** What Traefik and Caddy send. */
const traefik = (host: string, uri: string, proto = 'https', method = 'GET') => ({
  'x-forwarded-method': method, 'x-forwarded-proto': proto, 'x-forwarded-host': host, 'x-forwarded-uri': uri,
});
const loginUrl = (base: string, rd: string, page = 'login') => `${base}${P}/${page}?rd=${encodeURIComponent(rd)}`;

async function signedIn(email = 'alice@example.com'): Promise<TestClient> {
  const client = new TestClient(gw.url);
  const res = await client.signIn(email, PASSWORD);
  expect(res.status).toBe(303);
  expect(client.cookies.has('recourse_session')).toBe(true);
  return client;
}

function expectNoIdentity(res: Response): void {
  for (const name of ['remote-user', 'remote-email', 'remote-name', 'remote-groups']) expect(res.headers.get(name)).toBeNull();
}

describe('not signed in', () => {
  it('nginx style: 401 with the login URL as a Location hint, never cacheable', async () => {
    const res = await new TestClient(gw.url).request(`${P}/verify`, { headers: nginx('http://app.example/reports?q=1&x=%2F') });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(loginUrl(gw.url, 'http://app.example/reports?q=1&x=%2F'));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expectNoIdentity(res);
  });

  it('Traefik/Caddy style: 302 to the login page with rd; 401 JSON for an API client; 401 with ?proxy=nginx', async () => {
    const client = new TestClient(gw.url);
    const res = await client.request(`${P}/verify`, { headers: traefik('app.example', '/reports?q=1') });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(loginUrl(gw.url, 'https://app.example/reports?q=1'));
    expect(res.headers.get('cache-control')).toBe('no-store');

    const json = await client.request(`${P}/verify`, { headers: { ...traefik('app.example', '/api/x'), accept: 'application/json' } });
    expect(json.status).toBe(401);
    expect((await json.json()).error.code).toBe('unauthenticated');

    const forced = await client.request(`${P}/verify?proxy=nginx`, { headers: traefik('app.example', '/reports') });
    expect(forced.status).toBe(401);
    expect(forced.headers.get('location')).toBe(loginUrl(gw.url, 'https://app.example/reports'));
  });

  it('answers HEAD the same way', async () => {
    const res = await new TestClient(gw.url).request(`${P}/verify`, { method: 'HEAD', headers: nginx('http://app.example/') });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBe(loginUrl(gw.url, 'http://app.example/'));
  });

  it('a bypass rule passes without identity headers; a deny rule is 403', async () => {
    const client = new TestClient(gw.url);
    const open = await client.request(`${P}/verify`, { headers: nginx('http://public.example/docs') });
    expect(open.status).toBe(200);
    expectNoIdentity(open);
    const closed = await client.request(`${P}/verify`, { headers: traefik('closed.example', '/') });
    expect(closed.status).toBe(403);
    expect(closed.headers.get('cache-control')).toBe('no-store');
  });

  it('a client-sent Remote-User changes nothing', async () => {
    const res = await new TestClient(gw.url).request(`${P}/verify`, {
      headers: { ...nginx('http://app.example/'), 'remote-user': aliceId, 'remote-email': 'alice@example.com', 'x-forwarded-user': aliceId },
    });
    expect(res.status).toBe(401);
    expectNoIdentity(res);
  });
});

describe('signed in with one factor', () => {
  it('passes a one_factor rule with Remote-User, Remote-Email, Remote-Name, Remote-Groups', async () => {
    const client = await signedIn();
    for (const headers of [nginx('http://app.example/reports'), traefik('app.example', '/reports')]) {
      const res = await client.request(`${P}/verify`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('remote-user')).toBe(aliceId);
      expect(res.headers.get('remote-email')).toBe('alice@example.com');
      expect(res.headers.get('remote-name')).toBe('Alice');
      expect(res.headers.get('remote-groups')).toBe('user');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const head = await client.request(`${P}/verify`, { method: 'HEAD', headers: traefik('app.example', '/') });
    expect(head.status).toBe(200);
    expect(head.headers.get('remote-user')).toBe(aliceId);
  });

  it('never passes a two_factor rule: 401 / 302 to the second-factor page', async () => {
    const client = await signedIn();
    const viaNginx = await client.request(`${P}/verify`, { headers: nginx('https://secure.example/payroll') });
    expect(viaNginx.status).toBe(401);
    expect(viaNginx.headers.get('location')).toBe(loginUrl(gw.url, 'https://secure.example/payroll', '2fa'));
    expectNoIdentity(viaNginx);
    const viaTraefik = await client.request(`${P}/verify`, { headers: traefik('secure.example', '/payroll') });
    expect(viaTraefik.status).toBe(302);
    expect(viaTraefik.headers.get('location')).toBe(loginUrl(gw.url, 'https://secure.example/payroll', '2fa'));
    expectNoIdentity(viaTraefik);
  });

  it('is refused by a deny rule', async () => {
    const client = await signedIn();
    const res = await client.request(`${P}/verify`, { headers: nginx('http://closed.example/') });
    expect(res.status).toBe(403);
    expectNoIdentity(res);
  });

  it('answers with its own identity whatever Remote-* headers the client adds', async () => {
    const client = await signedIn('tom@example.com');
    const res = await client.request(`${P}/verify`, {
      headers: { ...traefik('app.example', '/'), 'remote-user': aliceId, 'remote-email': 'alice@example.com', 'remote-groups': 'super_admin' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('remote-user')).not.toBe(aliceId);
    expect(res.headers.get('remote-email')).toBe('tom@example.com');
    expect(res.headers.get('remote-groups')).toBe('user');
  });
});

describe('signed in with two factors', () => {
  it('passes the two_factor rule once an authenticator app was set up through the pages', async () => {
    const client = await signedIn();
    const { html } = await client.page(`${P}/enroll`);
    const secret = /secret=([A-Z2-7]+)/.exec(html)?.[1];
    const factor = /name="factor" value="([^"]+)"/.exec(html)?.[1];
    expect(secret).toBeDefined();
    expect(factor).toBeDefined();
    const oneFactorCookie = client.cookies.get('recourse_session');
    const enrolled = await client.postForm(`${P}/enroll/totp`, { factor: factor!, code: generateTotpCode(secret!, clock.nowMs()), rd: '' });
    expect(enrolled.status).toBe(303);
    expect(client.cookies.get('recourse_session')).not.toBe(oneFactorCookie);

    for (const headers of [nginx('https://secure.example/payroll'), traefik('secure.example', '/payroll')]) {
      const res = await client.request(`${P}/verify`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('remote-user')).toBe(aliceId);
    }
    // The one-factor session it replaced is gone (SECURITY S1), not merely outranked.
    const old = await fetch(`${gw.url}${P}/verify`, { headers: { ...nginx('http://app.example/'), cookie: `recourse_session=${oneFactorCookie}` } });
    expect(old.status).toBe(401);
  });
});

describe('forward-auth headers', () => {
  it('refuses malformed or contradictory ones', async () => {
    const client = new TestClient(gw.url);
    const both = await client.request(`${P}/verify`, { headers: { ...nginx('http://app.example/'), ...traefik('public.example', '/') } });
    expect(both.status).toBe(400);
    for (const url of ['javascript:alert(1)', 'http://user@public.example/', 'http://public.example/a b', 'http://app.example/, http://public.example/']) {
      const res = await client.request(`${P}/verify`, { headers: nginx(url) });
      expect(res.status, url).toBe(400);
    }
    const badProto = await client.request(`${P}/verify`, { headers: traefik('public.example', '/', 'gopher') });
    expect(badProto.status).toBe(400);
  });

  it('are ignored from a peer outside trust_proxy: the request is judged as the verify URL on its own Host', async () => {
    // The trusted gateway believes them: public.example is a bypass host.
    const trusted = await new TestClient(gw.url).request(`${P}/verify`, { headers: traefik('public.example', '/', 'http') });
    expect(trusted.status).toBe(200);

    const client = new TestClient(untrusted.url);
    const viaTraefik = await client.request(`${P}/verify`, { headers: traefik('public.example', '/', 'http') });
    expect(viaTraefik.status).toBe(302);
    expect(viaTraefik.headers.get('location')).toBe(loginUrl(untrusted.url, `${untrusted.url}${P}/verify`));
    const viaNginx = await client.request(`${P}/verify`, { headers: nginx('http://public.example/') });
    expect(viaNginx.status).toBe(401);
    expect(viaNginx.headers.get('location')).toBe(loginUrl(untrusted.url, `${untrusted.url}${P}/verify`));
    const contradictory = await client.request(`${P}/verify`, { headers: { ...nginx('http://public.example/'), ...traefik('public.example', '/') } });
    expect(contradictory.status).toBe(401);
  });

  it('from an untrusted peer never yield 200: a proxy missing from trust_proxy fails closed', async () => {
    const client = new TestClient(untrusted.url);
    expect((await client.signIn('alice@example.com', PASSWORD)).status).toBe(303);
    // Asked about nothing but itself, the verify URL on a one_factor host passes…
    const plain = await client.request(`${P}/verify`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('remote-user')).toBe(aliceId);
    // …but the request a misconfigured proxy names was never judged, so it is not waved through.
    for (const headers of [nginx('https://secure.example/payroll'), traefik('secure.example', '/payroll')]) {
      const res = await client.request(`${P}/verify`, { headers });
      expect(res.status).toBe(403);
      expectNoIdentity(res);
    }
  });
});

describe('store unreachable', () => {
  it('fails closed with 503', async () => {
    const ownClock = new FixedClock('2026-03-01T09:00:00Z');
    const ownStorage = await openTestStorage();
    const own = await startTestGateway({ storage: ownStorage, clock: ownClock, policy: POLICY, config: { server: { trust_proxy: ['127.0.0.1/32'] } } });
    try {
      await own.addUser({ email: 'carol@example.com', password: PASSWORD });
      const client = new TestClient(own.url);
      await client.signIn('carol@example.com', PASSWORD);
      expect((await client.request(`${P}/verify`, { headers: nginx('http://app.example/') })).status).toBe(200);
      await ownStorage.close();
      ownClock.advance(5_000); // past the session cache's re-check interval
      const res = await client.request(`${P}/verify`, { headers: nginx('http://app.example/') });
      expect(res.status).toBe(503);
      expectNoIdentity(res);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await own.close();
    }
  });
});
