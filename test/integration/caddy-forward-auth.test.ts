import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_BIN, hasCaddy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { TestClient } from '../support/client.js';
import { startForwardAuthStack, type ForwardAuthStack } from '../support/forward-auth.js';
import type { TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';

/**
 * Debian's Caddy with `forward_auth` in front of an echo app, running the Caddyfile of
 * docs/forward-auth.md as written (test/support/caddy.ts reads it from there).
 */
const P = '/.recourse';
const PASSWORD = 'correct horse battery';

if (!hasCaddy) console.warn(`caddy not found at ${CADDY_BIN}: skipping the forward_auth test (CI installs it with \`apt-get install caddy\`).`);

describe.skipIf(!hasCaddy)('Caddy forward_auth in front of an app (docs/forward-auth.md)', () => {
  let stack: ForwardAuthStack<RunningCaddy>;
  let upstream: ForwardAuthStack<RunningCaddy>['upstream'];
  let gw: TestGateway;
  let caddy: RunningCaddy;

  beforeAll(async () => {
    // public.test is another app, open to everyone: the attack below borrows its rule.
    stack = await startForwardAuthStack({
      appHosts: ['127.0.0.1', 'public.test'],
      access: {
        default: 'one_factor',
        rules: [{ hosts: ['public.test'], policy: 'bypass' }, { paths: ['/public/**'], policy: 'bypass' }, { paths: ['/payroll/**'], policy: 'two_factor' }],
      },
      startProxy: startCaddy,
    });
    ({ gw, upstream, proxy: caddy } = stack);
    await gw.addUser({ email: 'carla@example.com', password: PASSWORD, name: 'Carla' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('redirects an anonymous visitor to the login page with rd, and the app sees nothing', async () => {
    const before = upstream.seen.length;
    const res = await new TestClient(caddy.url).request('/reports?q=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${caddy.url}${P}/login?rd=${encodeURIComponent(`${caddy.url}/reports?q=1`)}`);
    expect(upstream.seen.length).toBe(before);
  });

  it('after signing in through Caddy, the app gets the identity headers and never a forged one', async () => {
    const client = new TestClient(caddy.url);
    await client.page(`${P}/login`);
    const signedIn = await client.postForm(`${P}/login`, { email: 'carla@example.com', password: PASSWORD, rd: `${caddy.url}/reports` });
    expect(signedIn.status).toBe(303);
    const res = await client.request('/reports', { headers: { 'remote-user': 'root', 'remote-groups': 'super_admin', 'remote-auth-level': '2' } });
    expect(res.status).toBe(200);
    const seen = upstream.last()!;
    expect(seen.headers['remote-email']).toBe('carla@example.com');
    expect(seen.headers['remote-user']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.headers['remote-groups']).toBe('user');
    expect(seen.headers['remote-auth-level']).toBe('1');

    const bypass = await new TestClient(caddy.url).request('/public/logo.png', { headers: { 'remote-user': 'root' } });
    expect(bypass.status).toBe(200);
    // The client's forged value never arrives. (Caddy 2.6 copies an unresolved placeholder when the
    // verify answer has no identity headers, as on a bypass path: docs/forward-auth.md says so.)
    expect(upstream.last()!.headers['remote-user']).not.toBe('root');

    const stepUp = await client.request('/payroll/2026');
    expect(stepUp.status).toBe(302);
    expect(stepUp.headers.get('location')).toContain(`${P}/2fa?rd=`);
  });

  // Issue 32, finding 6, against Caddy: a site answers only for the hosts in its address, so the
  // host it forwards to Recourse is never one the client chose.
  it('the attack: Host: public.test on the app\'s address, with no session, never reaches the app', async () => {
    const before = upstream.seen.length;
    for (const host of ['public.test', 'PUBLIC.TEST.', `public.test:${new URL(caddy.url).port}`]) {
      const answer = await rawRequest(Number(new URL(caddy.url).port), '/reports', [`Host: ${host}`]).catch(() => undefined);
      expect(answer?.body ?? '', host).not.toContain('hello');
    }
    expect(upstream.seen.length).toBe(before);
  });
});
