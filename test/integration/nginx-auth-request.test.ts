import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startForwardAuthStack, type ForwardAuthStack } from '../support/forward-auth.js';
import type { TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';
import { hasNginx, NGINX_BIN, startNginx, type RunningNginx } from '../support/nginx.js';

/**
 * Debian's nginx with `auth_request` in front of an echo app, configured with the nginx block of
 * docs/forward-auth.md as written (test/support/nginx.ts reads it from there). The gateway's
 * pages are reached through nginx, on the app's host, as the documentation sets it up.
 */
const P = '/.recourse';
const PASSWORD = 'correct horse battery';

if (!hasNginx) {
  console.warn(`nginx not found at ${NGINX_BIN}: skipping the auth_request integration test (CI installs it with \`apt-get install nginx\`).`);
}

describe.skipIf(!hasNginx)('nginx auth_request in front of an app (docs/forward-auth.md)', () => {
  let stack: ForwardAuthStack<RunningNginx>;
  let upstream: ForwardAuthStack<RunningNginx>['upstream'];
  let gw: TestGateway;
  let nginx: RunningNginx;
  let aliceId: string;

  beforeAll(async () => {
    // Users reach everything, the gateway's own pages included, through nginx. Another app,
    // public.test, is open to everyone: the attack below borrows its rule.
    stack = await startForwardAuthStack({
      appHosts: ['127.0.0.1', 'public.test'],
      access: {
        default: 'one_factor',
        rules: [
          { hosts: ['public.test'], policy: 'bypass' },
          { paths: ['/public/**'], policy: 'bypass' },
          { paths: ['/payroll/**'], policy: 'two_factor' },
          { paths: ['/reports/**'], methods: ['POST', 'PUT', 'PATCH', 'DELETE'], policy: 'deny' },
        ],
      },
      startProxy: startNginx,
    });
    ({ gw, upstream, proxy: nginx } = stack);
    aliceId = await gw.addUser({ email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function signInThroughNginx(): Promise<TestClient> {
    const client = new TestClient(nginx.url);
    const bounced = await client.request('/reports/q3?view=full');
    expect(bounced.status).toBe(302);
    const { res: form } = await client.page(bounced.headers.get('location')!);
    expect(form.status).toBe(200);
    const res = await client.postForm(`${P}/login`, { email: 'alice@example.com', password: PASSWORD, rd: `${nginx.url}/reports/q3?view=full` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${nginx.url}/reports/q3?view=full`);
    return client;
  }

  it('sends an anonymous visitor to the login page with rd, and the app sees nothing', async () => {
    const before = upstream.seen.length;
    const res = await new TestClient(nginx.url).request('/reports/q3?view=full&x=%2F');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${nginx.url}${P}/login?rd=${encodeURIComponent(`${nginx.url}/reports/q3?view=full&x=%2F`)}`);
    const post = await new TestClient(nginx.url).request('/notes', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(302);
    expect(post.headers.get('location')).toBe(`${nginx.url}${P}/login?rd=${encodeURIComponent(`${nginx.url}/notes`)}`);
    expect(upstream.seen.length).toBe(before);
  });

  it('after signing in through nginx, the app receives the identity nginx copied from the verify answer', async () => {
    const client = await signInThroughNginx();
    client.cookies.set('theme', 'dark');
    const res = await client.request('/reports/q3?view=full', {
      headers: { 'remote-user': 'admin', 'remote-groups': 'super_admin', 'remote-email': 'boss@example.com', 'x-forwarded-user': 'admin', 'remote-auth-level': '2' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello GET /reports/q3?view=full');
    const seen = upstream.last()!;
    expect(seen.headers['remote-user']).toBe(aliceId);
    expect(seen.headers['remote-email']).toBe('alice@example.com');
    expect(seen.headers['remote-name']).toBe('Alice');
    expect(seen.headers['remote-groups']).toBe('user');
    // A password-only session here: the app is told level 1 whatever the client claims.
    expect(seen.headers['remote-auth-level']).toBe('1');
    expect(seen.headers['x-forwarded-user']).toBeUndefined();
    // The gateway's session and CSRF cookies stay with nginx; the app's own cookies pass.
    expect(seen.headers.cookie).toBe('theme=dark');
    const session = client.cookies.get('recourse_session')!;
    const reordered = await client.request('/reports/q3', { headers: { cookie: `a=1; recourse_session=${session}; b=2; recourse_session_csrf=x` } });
    expect(reordered.status).toBe(200);
    expect(upstream.last()!.headers.cookie).toBe('a=1; b=2');
  });

  it('a client-sent Remote-User never reaches the app, also on a bypass path without a session', async () => {
    const res = await new TestClient(nginx.url).request('/public/logo.txt', { headers: { 'remote-user': 'admin', 'remote-email': 'boss@example.com' } });
    expect(res.status).toBe(200);
    const seen = upstream.last()!;
    expect(seen.url).toBe('/public/logo.txt');
    expect(seen.headers['remote-user']).toBeUndefined();
    expect(seen.headers['remote-email']).toBeUndefined();
  });

  it('sends a one-factor session to the second-factor page for a two_factor path', async () => {
    const client = await signInThroughNginx();
    const before = upstream.seen.length;
    const res = await client.request('/payroll/2026');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${nginx.url}${P}/2fa?rd=${encodeURIComponent(`${nginx.url}/payroll/2026`)}`);
    expect(upstream.seen.length).toBe(before);
  });

  it('judges the original method: a POST the policy denies gets 403 while GET passes', async () => {
    const client = await signInThroughNginx();
    const before = upstream.seen.length;
    const post = await client.request('/reports/q3', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(403);
    expect(upstream.seen.length).toBe(before);
    expect((await client.request('/reports/q3')).status).toBe(200);
  });

  it('keeps the verify location internal: a client cannot ask it about a request of its choosing', async () => {
    const res = await new TestClient(nginx.url).request(`${P}/verify`, { headers: { 'x-original-url': `${nginx.url}/public/x` } });
    expect(res.status).toBe(404);
  });

  // Issue 32, finding 6: the guide built the original URL from the client's Host in a server block
  // that was nginx's default for every Host, so `Host: public.test` sent to the protected app's
  // address was judged by public.test's bypass rule and proxied to the protected app.
  it('the attack: Host: public.test (any spelling) on the app\'s address, with no session, never reaches the app', async () => {
    const before = upstream.seen.length;
    // nginx's default server answers 444: it closes the connection without a response.
    const unanswered = (target: string, host: string) =>
      rawRequest(nginx.port, target, [`Host: ${host}`]).then((answer) => answer.status, () => 0);
    for (const host of ['public.test', 'PUBLIC.TEST.', `public.test:${nginx.port}`, 'elsewhere.test']) {
      expect(await unanswered('/reports/q3', host), host).toBe(0);
    }
    // The request line's host picks the server too: an absolute-form target naming public.test.
    expect(await unanswered('http://public.test/reports/q3', `127.0.0.1:${nginx.port}`)).toBe(0);
    expect(upstream.seen.length).toBe(before);
    // The app's own host still asks Recourse about itself: sign in first.
    const own = await rawRequest(nginx.port, '/reports/q3', [`Host: 127.0.0.1:${nginx.port}`]);
    expect(own.status).toBe(302);
    expect(own.headers).toContain(`Location: ${nginx.url}${P}/login?rd=${encodeURIComponent(`${nginx.url}/reports/q3`)}`);
    expect(upstream.seen.length).toBe(before);
  });
});
