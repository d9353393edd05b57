import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const PASSWORD = 'health test password';
const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let storageClosed = false;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;

beforeAll(async () => {
  // This file closes its storage mid-test, so it has one of its own.
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock });
  await gw.addUser({ email: 'health@example.com', password: PASSWORD });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  if (!storageClosed) await storage?.close();
});

describe('health and readiness', () => {
  it('answers liveness and readiness while the database is up', async () => {
    const live = await fetch(`${gw.url}${P}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${gw.url}${P}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('answers on every host, anonymous, without reaching the app', async () => {
    const before = upstream.seen.length;
    const res = await fetch(`${gw.url}${P}/healthz`, { headers: { host: 'some-app.example' } });
    expect(res.status).toBe(200);
    expect(upstream.seen.length).toBe(before);
  });

  it('fails readiness and closes the proxy once the database is gone, and keeps answering', async () => {
    const client = new TestClient(gw.url);
    expect((await client.signIn('health@example.com', PASSWORD)).status).toBe(303);
    expect((await client.request('/before')).status).toBe(200);
    const proxiedBefore = upstream.seen.length;

    await storage.close();
    storageClosed = true;
    // Past the session cache's recheck interval, so the next request must ask the database.
    clock.advance(5_000);

    for (let i = 0; i < 3; i++) {
      const ready = await fetch(`${gw.url}${P}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'database unreachable', failing: ['database'] });
    }
    const proxied = await client.request('/after');
    expect(proxied.status).toBe(503);
    expect(await proxied.text()).toContain('Temporarily unavailable');
    const json = await client.request('/api/after', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    expect(upstream.seen.length).toBe(proxiedBefore);

    // A sign-in attempt fails without taking the process down.
    const login = await new TestClient(gw.url).signIn('health@example.com', PASSWORD);
    expect(login.status).toBeGreaterThanOrEqual(500);

    // Still alive: liveness answers, readiness still refuses.
    expect((await fetch(`${gw.url}${P}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.url}${P}/readyz`)).status).toBe(503);
  });
});
