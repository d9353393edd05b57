// Two gateway instances sharing the database and a Redis (CONTRACT §8.1): a WebSocket relayed by
// one instance is closed within 5 s when its session ends on the other — a logout there, sign out
// everywhere, or an administrator disabling the user there. The revocation reaches the socket's
// instance over the Redis bus: each instance's own periodic re-check of live sockets (every 2 s by
// default, which alone would close them in time) is set to an hour here, so only the bus can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { stepUpClient } from '../support/step-up.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { canRunThrowawayRedis, startThrowawayRedis, type ThrowawayRedis } from '../support/throwaway-redis.js';
import { closesWithin, openWebSocket, startWebSocketUpstream, type WebSocketUpstream } from '../support/ws-upstream.js';

const P = '/.recourse';
const PASSWORD = 'two instance websocket password';
const CLOSE_WITHIN_MS = 5_000;
// Far beyond the test's deadline: no socket is closed by the timer during a test.
const NO_RECHECK_MS = 60 * 60 * 1000;

describe.skipIf(!canRunThrowawayRedis())('a WebSocket on one instance, its session ended on the other', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let redis: ThrowawayRedis;
  let upstream: WebSocketUpstream;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    storage = await openTestStorage();
    redis = await startThrowawayRedis();
    upstream = await startWebSocketUpstream();
    const config = { redis: { url: redis.url } };
    a = await startTestGateway({ storage, upstream: upstream.url, config, liveSocketRecheckMs: NO_RECHECK_MS });
    b = await startTestGateway({ storage, upstream: upstream.url, config, liveSocketRecheckMs: NO_RECHECK_MS });
    await a.addUser({ email: 'carol@example.com', password: PASSWORD });
    await a.addUser({ email: 'owner@example.com', password: PASSWORD, role: 'owner' });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
    await redis?.stop();
    await storage?.close();
  });

  it.each([
    ['logout', `${P}/logout`],
    ['sign out everywhere', `${P}/account/sessions/revoke-all`],
  ])('%s on instance A closes the socket relayed by instance B', async (_, action) => {
    const onA = new TestClient(a.url);
    expect((await onA.signIn('carol@example.com', PASSWORD)).status).toBe(303);
    // The same session cookie, presented to the other instance.
    const opened = await openWebSocket(b.url, '/live', { cookie: onA.cookieHeader() });
    if (!opened.ok) throw new Error(`refused ${opened.status}`);
    await onA.page(`${P}/account`);
    expect((await onA.postForm(action, {})).status).toBeLessThan(400);
    await closesWithin(opened.socket, CLOSE_WITHIN_MS);
  });

  it('an administrator disabling the user on instance A closes the socket relayed by instance B', async () => {
    const daveId = await a.addUser({ email: 'dave@example.com', password: PASSWORD });
    const dave = new TestClient(a.url);
    expect((await dave.signIn('dave@example.com', PASSWORD)).status).toBe(303);
    const opened = await openWebSocket(b.url, '/live', { cookie: dave.cookieHeader() });
    if (!opened.ok) throw new Error(`refused ${opened.status}`);
    const owner = new TestClient(a.url);
    expect((await owner.signIn('owner@example.com', PASSWORD)).status).toBe(303);
    await stepUpClient(a, owner);
    const userPage = `${P}/admin/users/${daveId}`;
    await owner.page(userPage);
    const res = await owner.postForm(`${userPage}/disable`, {});
    expect(res.headers.get('location')).toBe(`${userPage}?notice=disabled`);
    await closesWithin(opened.socket, CLOSE_WITHIN_MS);
  });
});
