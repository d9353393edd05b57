import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../gateway/auth/bootstrap.js';
import { hashPassword, verifyPassword } from '../../gateway/security/password.js';
import { TestClient } from '../support/client.js';
import { freePort } from '../support/ports.js';
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';

let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let gw: TestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway();
  ({ storage, gw } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('GET P/metrics', () => {
  it('exposes Prometheus text whose counters move after a sign-in, a proxied request and a recovery', async () => {
    const before = await (await fetch(`${gw.url}/.recourse/metrics`)).text();
    expect(before).toContain('recourse_process_cpu_user_seconds_total');
    expect(before).toMatch(/recourse_policy_info\{version="[0-9a-f]+"\} 1/);

    const { token } = await bootstrapAdmin(gw.storage.db, gw.clock, gw.config.session.secret, 'root@example.com', 'cli');
    const client = new TestClient(gw.url);
    await client.page(`/.recourse/password/reset?token=${token}`);
    expect((await client.postForm('/.recourse/password/reset', { token, password: 'a strong passphrase' })).status).toBe(303);
    await client.signIn('root@example.com', 'wrong password here');
    await client.signIn('root@example.com', 'a strong passphrase');
    expect((await client.request('/page')).status).toBe(200);

    const after = await (await fetch(`${gw.url}/.recourse/metrics`)).text();
    expect(sample(after, 'recourse_sign_ins_total', { step: 'password', outcome: 'success' })).toBeGreaterThan(sample(before, 'recourse_sign_ins_total', { step: 'password', outcome: 'success' }));
    expect(sample(after, 'recourse_sign_ins_total', { step: 'password', outcome: 'failure' })).toBeGreaterThan(0);
    expect(sample(after, 'recourse_recovery_events_total', { kind: 'password.reset' })).toBeGreaterThan(0);
    expect(sample(after, 'recourse_proxy_requests_total', { app: 'app', status: '2xx' })).toBeGreaterThan(0);
    expect(after).toMatch(/recourse_proxy_duration_seconds_count\{app="app"\} [1-9]/);
    expect(after).toMatch(/recourse_outbox_pending \d+/);
    // Every sign-in above has finished: no hash runs or waits.
    expect(after).toContain('recourse_password_hashes{state="running"} 0');
    expect(after).toContain('recourse_password_hashes{state="waiting"} 0');
  });

  it('shows a sign-in backlog: hashes waiting for a thread-pool slot', async () => {
    const stored = await hashPassword('a password for the backlog');
    // The gateway runs in this process: these hashes queue in front of the same slots its sign-ins use.
    const backlog = Array.from({ length: 12 }, () => verifyPassword(stored, 'not the password'));
    const during = await (await fetch(`${gw.url}/.recourse/metrics`)).text();
    await Promise.all(backlog);
    expect(sample(during, 'recourse_password_hashes', { state: 'waiting' })).toBeGreaterThan(0);
    expect(sample(during, 'recourse_password_hashes', { state: 'running' })).toBeGreaterThan(0);
  });
});

// Attack (issue 32, finding 13): P/metrics answered on every app host, to anyone. Loopback clients
// only by default, by the resolved client IP (behind nginx every peer is the trusted proxy), or the
// CIDRs of server.metrics_allow; everyone else gets the gateway's 404 page.
describe('who may read P/metrics', () => {
  const metrics = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/.recourse/metrics`, { headers });

  it('behind a trusted proxy: a remote client (X-Forwarded-For) gets 404, plain loopback 200', async () => {
    const proxied = await startProxiedTestGateway({ config: { server: { trust_proxy: ['127.0.0.1/32'] } } });
    try {
      const remote = await metrics(proxied.gw.url, { 'x-forwarded-for': '203.0.113.5' });
      expect(remote.status).toBe(404);
      const page = await remote.text();
      expect(page).toContain('There is no page at this address.');
      expect(page).not.toContain('recourse_');
      // nginx's $proxy_add_x_forwarded_for appends the real client to whatever it sent.
      expect((await metrics(proxied.gw.url, { 'x-forwarded-for': '127.0.0.1, 203.0.113.5' })).status).toBe(404);
      expect((await metrics(proxied.gw.url)).status).toBe(200);
      expect((await metrics(proxied.gw.url, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('relayed by a proxy that is not trusted: 404, though the peer is loopback', async () => {
    expect((await metrics(gw.url, { 'x-forwarded-for': '203.0.113.5' })).status).toBe(404);
    expect((await metrics(gw.url, { forwarded: 'for=203.0.113.5' })).status).toBe(404);
    expect((await metrics(gw.url)).status).toBe(200);
  });

  it('server.metrics_allow opens it to the CIDRs listed', async () => {
    const allowed = await startProxiedTestGateway({ config: { server: { trust_proxy: ['127.0.0.1/32'], metrics_allow: ['203.0.113.0/24'] } } });
    try {
      const res = await metrics(allowed.gw.url, { 'x-forwarded-for': '203.0.113.5' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('recourse_process_cpu_user_seconds_total');
      expect((await metrics(allowed.gw.url, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(404);
    } finally {
      await allowed.close();
    }
  });

  it('server.metrics_listen serves /metrics on its own address, and no app host answers P/metrics, not even to loopback', async () => {
    const port = await freePort();
    const apart = await startProxiedTestGateway({ config: { server: { metrics_listen: `127.0.0.1:${port}` } } });
    try {
      const own = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain('recourse_process_cpu_user_seconds_total');
      // The app hosts' listener, from loopback with no forwarding header: the check that would let
      // this client in is not even reached, as the route is not mounted there.
      const onApp = await metrics(apart.gw.url);
      expect(onApp.status).toBe(404);
      const page = await onApp.text();
      expect(page).toContain('There is no page at this address.');
      expect(page).not.toContain('recourse_');
    } finally {
      await apart.close();
    }
    // Closed with the gateway.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
