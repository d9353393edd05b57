// Attack (issue 32 finding 9): a password thief, or the holder of a recovery session that may only
// enrol a new factor, visits a bypass path of an app that reads the identity headers. The upstream
// took them for the signed-in user, unable to tell them from a full sign-in. SECURITY I2: on a
// bypass path only a full sign-in (second factor passed, not a recovery session) sends identity,
// through the proxy and through P/verify alike; wherever identity is sent, Remote-Auth-Level says
// the level reached (1 password, 2 second factor).
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { seedTotp } from '../http/totp-support.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const PASSWORD = 'correct horse battery';
const IDENTITY = ['remote-user', 'remote-username', 'remote-email', 'remote-name', 'remote-groups', 'remote-auth-level'];
let fixture: ProxiedTestGateway;
const cookies: Record<'passwordOnly' | 'recovery' | 'full', string> = { passwordOnly: '', recovery: '', full: '' };
let userId = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'two_factor', rules: [{ paths: ['/public/**'], policy: 'bypass' }, { paths: ['/basic/**'], policy: 'one_factor' }] } },
    // Forward-auth headers are believed from loopback, as from Caddy or Traefik on the same host.
    config: { server: { trust_proxy: ['127.0.0.1/32', '::1/128'] } },
  });
  const { gw, storage } = fixture;
  userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD, name: 'Victim' });
  await seedTotp(storage, userId, gw.clock);
  const thief = new TestClient(gw.url);
  expect((await thief.signIn('victim@example.com', PASSWORD)).status).toBe(303);
  cookies.passwordOnly = thief.cookies.get(COOKIE)!;
  cookies.recovery = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2, restricted: true })).cookieValue;
  cookies.full = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
});
afterAll(async () => {
  await fixture?.close();
});

/** What the upstream received for one request (forged identity headers included in the request). */
async function proxied(cookie: string, path: string) {
  const res = await request(`${fixture.gw.url}${path}`, { headers: { cookie: `${COOKIE}=${cookie}`, 'remote-auth-level': '2', remote_user: 'someone' } });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  return fixture.upstream.last()!.headers;
}

/** What forward-auth answers about the same request, as Caddy or Traefik would ask it. */
async function verified(cookie: string, path: string) {
  const res = await request(`${fixture.gw.url}${P}/verify`, { headers: { cookie: `${COOKIE}=${cookie}`, host: new URL(fixture.gw.url).host, 'x-forwarded-uri': path } });
  await res.body.dump();
  return { status: res.statusCode, headers: res.headers };
}

describe('identity on a bypass path (issue 32 finding 9)', () => {
  for (const kind of ['passwordOnly', 'recovery'] as const) {
    it(`a ${kind === 'recovery' ? 'recovery' : 'password-only'} session sends none, and the client's copies are gone`, async () => {
      const seen = await proxied(cookies[kind], '/public/page');
      for (const name of [...IDENTITY, 'remote_user']) expect(seen[name], name).toBeUndefined();
    });
  }

  it('a full sign-in sends who and at which level', async () => {
    const seen = await proxied(cookies.full, '/public/page');
    expect(seen['remote-user']).toBe(userId);
    expect(seen['remote-auth-level']).toBe('2');
  });

  it('forward-auth answers the same: nothing for a password-only session, the identity for a full one', async () => {
    const partial = await verified(cookies.passwordOnly, '/public/page');
    expect(partial.status).toBe(200);
    for (const name of IDENTITY) expect(partial.headers[name], name).toBeUndefined();
    const full = await verified(cookies.full, '/public/page');
    expect(full.status).toBe(200);
    expect(full.headers['remote-user']).toBe(userId);
    expect(full.headers['remote-auth-level']).toBe('2');
  });
});

describe('the level reached, where the policy lets a password-only session through', () => {
  it('says 1 on a one_factor path, so the app can tell it from a full sign-in', async () => {
    const seen = await proxied(cookies.passwordOnly, '/basic/page');
    expect(seen['remote-user']).toBe(userId);
    expect(seen['remote-auth-level']).toBe('1');
    expect((await proxied(cookies.full, '/basic/page'))['remote-auth-level']).toBe('2');
  });
});
