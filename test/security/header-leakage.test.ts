// Attack: identity spoofing and credential leakage across the proxy hop. A client sends its own
// Remote-User / Remote-Email / Remote-Groups / X-Forwarded-User (also in `_` spellings that CGI,
// PHP, Rack and WSGI upstreams read as the same variable, and repeated), a forged
// X-Forwarded-For, and the gateway's own cookies split over several Cookie headers; a user's name
// carries CR/LF to smuggle a header of its own. An upstream that trusted any of it would take the
// attacker for an administrator, or would hold the session cookie (and could replay it).
// SECURITY S5: the gateway's session and CSRF cookies and every client-sent identity header are
// removed before proxying; the identity headers the upstream gets are the gateway's, once each;
// X-Forwarded-For is believed only from server.trust_proxy.
import { eq } from 'drizzle-orm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream, type SeenRequest } from '../support/upstream.js';

const COOKIE = 'recourse_session';
const CSRF_COOKIE = 'recourse_session_csrf';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let userId = '';
let session = '';
let csrfCookie = '';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage, upstream: upstream.url,
    policy: { access: { default: 'one_factor', rules: [{ paths: ['/public/**'], policy: 'bypass' }] } },
  });
  userId = await gw.addUser({ email: 'mallory@example.com', password: 'correct horse battery', name: 'Mallory' });
  // A name that tries to end its header line and start another.
  await storage.db.update(users).set({ name: 'Mallory\r\nRemote-Groups: super_admin\r\nX-Forwarded-User: root' }).where(eq(users.id, userId));
  const client = new TestClient(gw.url);
  expect((await client.signIn('mallory@example.com', 'correct horse battery')).status).toBe(303);
  session = client.cookies.get(COOKIE)!;
  csrfCookie = client.cookies.get(CSRF_COOKIE)!;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** Forged headers as a flat [name, value, …] list, so names can repeat and keep their spelling. */
const FORGED = [
  'Remote-User', '00000000-0000-0000-0000-000000000000',
  'Remote-Email', 'admin@example.com',
  'Remote-Name', 'Administrator',
  'Remote-Groups', 'super_admin',
  'remote-groups', 'owner',
  'REMOTE-USER', 'root',
  'Remote-Anything', 'x',
  'Remote_User', 'root',
  'Remote_Groups', 'super_admin',
  'remote_email', 'admin@example.com',
  'X-Forwarded-User', 'root',
  'X_Forwarded_User', 'root',
  'X-Forwarded-For', '10.0.0.1',
  'X-Real-IP', '10.0.0.1',
  'Forwarded', 'for=10.0.0.1;proto=https',
];

async function send(path: string, cookies: string[]): Promise<SeenRequest> {
  const headers = [...FORGED];
  for (const cookie of cookies) headers.push('Cookie', cookie);
  const before = upstream.seen.length;
  const res = await request(`${gw.url}${path}`, { headers });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  expect(upstream.seen.length).toBe(before + 1);
  return upstream.last()!;
}

/** Header names as an upstream framework would see them: `_` and `-` alike, any case. */
const variable = (name: string) => name.toLowerCase().replaceAll('_', '-');
function headerValues(seen: SeenRequest, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) if (variable(seen.rawHeaders[i]!) === name) out.push(seen.rawHeaders[i + 1]!);
  return out;
}

describe('what reaches an echo upstream (SECURITY S5)', () => {
  it('signed in: only the gateway\'s identity, once each; no gateway cookie; the socket address', async () => {
    const seen = await send('/inbox', [`app_pref=dark; ${COOKIE}=${session}`, `${CSRF_COOKIE}=${csrfCookie}; ${COOKIE} = ${session}; other=1`]);

    expect(headerValues(seen, 'remote-user')).toEqual([userId]);
    expect(headerValues(seen, 'remote-email')).toEqual(['mallory@example.com']);
    expect(headerValues(seen, 'remote-groups')).toEqual(['user']);
    const [name, ...more] = headerValues(seen, 'remote-name');
    expect(more).toEqual([]);
    expect(name).not.toMatch(/[\r\n]/);
    expect(headerValues(seen, 'remote-anything')).toEqual([]);
    expect(headerValues(seen, 'x-forwarded-user')).toEqual([]);
    expect(headerValues(seen, 'x-real-ip')).toEqual([]);
    expect(headerValues(seen, 'forwarded')).toEqual([]);
    expect(headerValues(seen, 'x-forwarded-for')).toEqual(['127.0.0.1']);

    const cookies = headerValues(seen, 'cookie').join('; ');
    expect(cookies).not.toContain(session);
    expect(cookies).not.toContain(csrfCookie);
    expect(cookies).not.toMatch(new RegExp(`(^|;)\\s*(${COOKIE}|${CSRF_COOKIE})\\s*=`));
    expect(cookies).toContain('app_pref=dark');
    expect(cookies).toContain('other=1');
  });

  it('on a bypass path: no identity at all without a full sign-in, only the gateway\'s with one', async () => {
    const anonymous = await send('/public/page', []);
    // A password-only session is no full sign-in (issue 32 finding 9): a bypass path tells nothing of it.
    const passwordOnly = await send('/public/page', [`${COOKIE}=${session}; ${CSRF_COOKIE}=${csrfCookie}`]);
    for (const seen of [anonymous, passwordOnly]) {
      for (const name of ['remote-user', 'remote-email', 'remote-groups', 'remote-name', 'remote-auth-level', 'remote-anything', 'x-forwarded-user']) {
        expect(headerValues(seen, name), name).toEqual([]);
      }
    }
    const full = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
    const signedIn = await send('/public/page', [`${COOKIE}=${full}; ${CSRF_COOKIE}=${csrfCookie}`]);
    expect(headerValues(signedIn, 'remote-user')).toEqual([userId]);
    expect(headerValues(signedIn, 'remote-groups')).toEqual(['user']);
    expect(headerValues(signedIn, 'x-forwarded-user')).toEqual([]);
    expect(headerValues(signedIn, 'remote-auth-level')).toEqual(['2']);
    expect(headerValues(signedIn, 'cookie').join('; ')).not.toContain(full);
  });
});
