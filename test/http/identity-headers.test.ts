/**
 * Header names per app (CONTRACT §8.2, issue 26 item 1): each app receives the identity under the
 * names it reads, a field mapped to "" is left out, the defaults stay `Remote-*`, and a client's
 * copies of every configured name never reach the app, in any case and with `_` for `-`.
 * Forward-auth answers with the same names for the app the original request was for.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { setUserGroups } from '../../db/queries/user-groups.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let userId = '';
let full = '';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage,
    policy: { access: { default: 'one_factor', rules: [{ paths: ['/public/**'], policy: 'bypass' }] } },
    config: {
      server: { trust_proxy: ['127.0.0.1/32', '::1/128'] },
      apps: [
        {
          name: 'grafana', host: 'grafana.test', upstream: upstream.url,
          identity: { headers: { user: 'X-WEBAUTH-USER', username: '', email: 'X-WEBAUTH-EMAIL', name: 'X-WEBAUTH-NAME', groups: 'X-Forwarded-Groups', auth_level: '' } },
        },
        { name: 'legacy', host: '*', upstream: upstream.url },
      ],
    },
  });
  userId = await gw.addUser({ email: 'ada@example.com', name: 'Ada Lovelace' });
  await setUserGroups(storage.db, userId, ['ops']);
  full = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

// A client claiming to be someone else under every spelling an upstream might read.
const FORGED = [
  'X-WEBAUTH-USER', 'admin', 'x-webauth-user', 'admin', 'X_WEBAUTH_USER', 'admin', 'x_Webauth_Email', 'admin@example.com',
  'X-Forwarded-Groups', 'admins', 'x_forwarded_groups', 'admins', 'X-WEBAUTH-NAME', 'Administrator',
];

async function through(host: string, cookie?: string, path = '/page') {
  const headers = [...FORGED, 'Host', host, ...(cookie ? ['Cookie', `${COOKIE}=${cookie}`] : [])];
  const res = await request(`${gw.url}${path}`, { headers });
  await res.body.dump();
  return { status: res.statusCode, seen: upstream.last()! };
}

/** Every value the upstream got under a name, as a CGI upstream reads names (any case, `_` for `-`). */
function values(rawHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase().replaceAll('_', '-') === name) out.push(rawHeaders[i + 1]!);
  return out;
}

describe('an app with its own header names', () => {
  it('gets the identity under them, once each, and nothing under the defaults or the fields left out', async () => {
    const { status, seen } = await through('grafana.test', full);
    expect(status).toBe(200);
    expect(values(seen.rawHeaders, 'x-webauth-user')).toEqual([userId]);
    expect(values(seen.rawHeaders, 'x-webauth-email')).toEqual(['ada@example.com']);
    expect(values(seen.rawHeaders, 'x-webauth-name')).toEqual(['Ada Lovelace']);
    expect(values(seen.rawHeaders, 'x-forwarded-groups')).toEqual(['user,ops']);
    for (const name of ['remote-user', 'remote-username', 'remote-email', 'remote-auth-level']) expect(values(seen.rawHeaders, name), name).toEqual([]);
  });

  it('never sees the client\'s copies of its names, with no session on a bypass path', async () => {
    const { status, seen } = await through('grafana.test', undefined, '/public/page');
    expect(status).toBe(200);
    for (const name of ['x-webauth-user', 'x-webauth-email', 'x-webauth-name', 'x-forwarded-groups']) expect(values(seen.rawHeaders, name), name).toEqual([]);
  });
});

describe('an app left at the defaults', () => {
  it('gets Remote-* with the username and the level, and never the client\'s copies of another app\'s names', async () => {
    const { seen } = await through('legacy.test', full);
    expect(seen.headers['remote-user']).toBe(userId);
    expect(seen.headers['remote-username']).toBe('ada@example.com');
    expect(seen.headers['remote-groups']).toBe('user,ops');
    expect(seen.headers['remote-auth-level']).toBe('2');
    // Two apps may share an upstream: a name any app trusts is dropped for every app.
    for (const name of ['x-webauth-user', 'x-webauth-email', 'x-forwarded-groups']) expect(values(seen.rawHeaders, name), name).toEqual([]);
  });
});

describe('forward-auth for each app', () => {
  async function verify(host: string) {
    const res = await request(`${gw.url}${P}/verify`, {
      headers: { cookie: `${COOKIE}=${full}`, 'x-forwarded-host': host, 'x-forwarded-uri': '/page', 'x-forwarded-proto': 'http' },
    });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    return res.headers;
  }

  it('answers with the names of the app the request was for', async () => {
    const grafana = await verify('grafana.test');
    expect(grafana['x-webauth-user']).toBe(userId);
    expect(grafana['x-forwarded-groups']).toBe('user,ops');
    expect(grafana['remote-user']).toBeUndefined();
    const legacy = await verify('legacy.test');
    expect(legacy['remote-user']).toBe(userId);
    expect(legacy['x-webauth-user']).toBeUndefined();
  });
});
