/**
 * The attack (issue 32, finding 3): with a bypass rule for `public.test` and a catch-all `*` app,
 * `Host: public.test.` was judged by the access policy as `public.test` (bypass) but routed by the
 * app router, which kept the dot, to the catch-all app: a protected app reached with no session.
 * Routing, policy and forward-auth now read the Host with one function (gateway/core/host.ts), so
 * every spelling of a host is judged and routed as that host, and a Host with no one reading is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let publicApp: Awaited<ReturnType<typeof startEchoUpstream>>;
let catchAll: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const port = () => Number(new URL(gw.url).port);
/** A GET with the Host lines given, as written (fetch will not set a Host). */
const withHost = (host: string | readonly string[], path: string, extra: string[] = []) =>
  rawRequest(port(), path, [...[host].flat().map((value) => `Host: ${value}`), ...extra]);

beforeAll(async () => {
  storage = await openTestStorage();
  publicApp = await startEchoUpstream();
  catchAll = await startEchoUpstream();
  gw = await startTestGateway({
    storage,
    policy: { access: { default: 'one_factor', rules: [{ hosts: ['public.test'], policy: 'bypass' }] } },
    config: {
      server: { trust_proxy: ['127.0.0.1/32'] },
      apps: [
        { name: 'public', host: 'public.test', upstream: publicApp.url },
        { name: 'everything-else', host: '*', upstream: catchAll.url },
      ],
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await catchAll?.close();
  await publicApp?.close();
  await storage?.close();
});

// A plain path, and one with an escape (read in several spellings by the policy).
const PATHS = ['/page', '/page%2Dtwo'];

describe('one reading of the Host for routing and policy', () => {
  it('routes every spelling of the bypass host to its own app, without a session', async () => {
    for (const host of ['public.test', 'public.test.', 'PUBLIC.TEST', 'Public.Test.', `public.test:${port()}`, `PUBLIC.test.:${port()}`]) {
      for (const path of PATHS) {
        const before = { public: publicApp.seen.length, catchAll: catchAll.seen.length };
        const res = await withHost(host, path);
        expect(res.status, `${host} ${path}`).toBe(200);
        expect(res.body, `${host} ${path}`).toContain(`hello GET ${path}`);
        expect(publicApp.seen.length, `${host} ${path}`).toBe(before.public + 1);
        expect(catchAll.seen.length, `${host} ${path}: the catch-all app must see nothing`).toBe(before.catchAll);
        // Both paths tell the app the host in its one spelling.
        expect(publicApp.last()!.headers['x-forwarded-host'], `${host} ${path}`).toBe(host.includes(':') ? `public.test:${port()}` : 'public.test');
      }
    }
  });

  it('sends another host to the catch-all app only after sign-in, whatever its spelling', async () => {
    const before = catchAll.seen.length;
    for (const host of ['other.test', 'other.test.', 'OTHER.TEST']) {
      for (const path of PATHS) {
        const res = await withHost(host, path);
        expect(res.status, `${host} ${path}`).toBe(302);
        expect(res.headers, `${host} ${path}`).toMatch(new RegExp(`^location: ${P}/login\\?rd=`, 'im'));
      }
    }
    expect(catchAll.seen.length).toBe(before);
  });

  it('refuses a Host with no one reading with a 400 that says why, and nothing reaches an app', async () => {
    const before = { public: publicApp.seen.length, catchAll: catchAll.seen.length };
    for (const path of PATHS) {
      for (const [host, message] of [
        ['public..test', 'The Host header is not a valid host name.'],
        ['.public.test', 'The Host header is not a valid host name.'],
        ['public.test..', 'The Host header is not a valid host name.'],
        ['public.test:0', 'The port in the Host header is not a port number.'],
        [['public.test', 'other.test'], 'The Host header names more than one host.'],
      ] as const) {
        const res = await withHost(host, path, ['Accept: text/html']);
        expect(res.status, `${String(host)} ${path}`).toBe(400);
        expect(res.body, `${String(host)} ${path}`).toContain(message);
      }
      // Refused by the HTTP server before any route: still a 400.
      for (const host of ['user@public.test', 'public.test other.test']) {
        expect((await withHost(host, path)).status, `${host} ${path}`).toBe(400);
      }
    }
    expect(publicApp.seen.length).toBe(before.public);
    expect(catchAll.seen.length).toBe(before.catchAll);
  });
});
