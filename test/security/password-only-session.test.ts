// Attack: a password thief (phished or guessed password, no second factor) tries to reach an app
// protected by a two_factor rule anyway: every HTTP method, JSON clients, path spellings meant to
// land on the protected resource while matching a bypass rule (dot segments, encoded slashes and
// dots, backslashes, `;` path parameters that servlet containers drop), and forward-auth
// (P/verify) asked about the protected URL in nginx and Traefik style; a restricted recovery
// session tries the same. (A double-encoded `%252e` is left out: decoded once, as upstreams do,
// it names a file inside the bypass path.) SECURITY S4: a session without the required factor
// never reaches the upstream; R3: a recovery session may only enrol.
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { seedTotp } from '../http/totp-support.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const PASSWORD = 'correct horse battery';
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let upstream: ProxiedTestGateway['upstream'];
let gw: TestGateway;
let passwordOnly = '';
let recovery = '';
let full = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'two_factor', rules: [{ paths: ['/public/**'], policy: 'bypass' }] } },
    // Forward-auth headers are believed from loopback, as from nginx or Traefik on the same host.
    config: { server: { trust_proxy: ['127.0.0.1/32', '::1/128'] } },
  });
  ({ storage, upstream, gw } = fixture);
  const userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
  await seedTotp(storage, userId, gw.clock);
  const thief = new TestClient(gw.url);
  expect((await thief.signIn('victim@example.com', PASSWORD)).status).toBe(303);
  passwordOnly = thief.cookies.get(COOKIE)!;
  recovery = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2, restricted: true })).cookieValue;
  full = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
});
afterAll(async () => {
  await fixture?.close();
});

/** Sends the request target byte for byte (fetch and undici.request would resolve dot segments first). */
async function raw(cookie: string, path: string, method = 'GET', headers: Record<string, string> = {}) {
  const before = upstream.seen.length;
  const client = new Client(gw.url);
  try {
    const res = await client.request({ path, method: method as 'GET', headers: { cookie: `${COOKIE}=${cookie}`, ...headers } });
    await res.body.dump();
    return { status: res.statusCode, location: String(res.headers.location ?? ''), reached: upstream.seen.slice(before) };
  } finally {
    await client.close();
  }
}

const ATTACK_PATHS = [
  '/secret',
  '/SECRET',
  '/public/../secret',
  '/public/%2e%2e/secret',
  '/public/%2E%2E/secret',
  '/public/.%2e/secret',
  '/public/..%2fsecret',
  '/public/..%2Fsecret',
  '/public%2f..%2fsecret',
  '/public/..%5csecret',
  '/public/..\\secret',
  '/public/..;/secret',
  '/public/.;/../secret',
  // A `.;` or `..;` segment is an ordinary name to URL parsers (a `..` after it removes it) and a
  // dot segment to servlet containers: decided on the parsed path these look like /public/secret.
  '/public/.;x/../secret',
  '/public/..;x/x/../../secret',
  '/public/.%3b/../secret',
  '//public/../secret',
  '/./secret',
  '/public/x/../../secret',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

describe('through the proxy (SECURITY S4)', () => {
  it('controls: the bypass path passes, and a full session reaches the protected path', async () => {
    expect((await raw(passwordOnly, '/public/page')).reached).toHaveLength(1);
    const granted = await raw(full, '/secret');
    expect(granted.status).toBe(200);
    expect(granted.reached).toHaveLength(1);
    // The spellings really go out as written (and on to the upstream for a full session).
    expect((await raw(full, '/public/%2e%2e/secret')).reached.map((seen) => seen.url)).toEqual(['/public/%2e%2e/secret']);
  });

  it.each([['password-only', () => passwordOnly, '2fa'], ['restricted recovery', () => recovery, 'enroll']] as const)(
    'a %s session reaches nothing protected, by any method or path spelling',
    async (_kind, cookie, page) => {
      for (const path of ATTACK_PATHS) {
        for (const method of METHODS) {
          const answer = await raw(cookie(), path, method);
          expect(answer.reached.map((seen) => seen.url), `${method} ${path} reached the upstream`).toEqual([]);
          // Sent to the factor it lacks, or refused outright as malformed.
          expect([302, 400], `${method} ${path}`).toContain(answer.status);
          if (answer.status === 302) expect(answer.location, `${method} ${path}`).toMatch(new RegExp(`^${P.replace('.', '\\.')}/${page}\\?rd=`));
        }
      }
    },
  );

  it('a JSON client without the factor gets a redirect or 401, never the app', async () => {
    const answer = await raw(passwordOnly, '/secret', 'GET', { accept: 'application/json' });
    expect(answer.reached).toHaveLength(0);
    expect([302, 401]).toContain(answer.status);
  });
});

describe('through forward-auth, P/verify (SECURITY S4)', () => {
  const asked = (uri: string): Array<Record<string, string>> => [
    { 'x-original-url': `http://app.example${uri}`, 'x-original-method': 'GET' },
    { 'x-forwarded-uri': uri, 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https', 'x-forwarded-method': 'GET' },
  ];

  it('control: a full session passes the protected URL with its identity', async () => {
    for (const headers of asked('/secret')) {
      const res = await raw(full, `${P}/verify`, 'GET', headers);
      expect(res.status).toBe(200);
    }
  });

  it('never answers 200 for a password-only or recovery session, whatever spelling it is asked about', async () => {
    for (const cookie of [passwordOnly, recovery]) {
      for (const path of ATTACK_PATHS.filter((p) => !p.includes('\\'))) {
        for (const headers of asked(path)) {
          const res = await raw(cookie, `${P}/verify`, 'GET', headers);
          expect(res.status, `${path} ${JSON.stringify(headers)}`).not.toBe(200);
          expect([302, 401]).toContain(res.status);
          expect(res.location).toMatch(/\/(2fa|enroll)\?rd=/);
        }
      }
    }
  });
});
