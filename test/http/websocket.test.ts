// WebSockets through the gateway (issue 25, CONTRACT §8.1), with the `ws` package on both sides:
// the handshake is judged like any request and refused with nothing reaching the app; an allowed
// one carries the identity headers (the client's own copies removed) and the client's Origin and
// Sec-WebSocket-* headers; frames go both ways untouched; and a live socket is closed within 5 s
// of its session ending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeUserSessions } from '../../gateway/session/store.js';
import { FixedClock } from '../../gateway/core/clock.js';
import { TestClient } from '../support/client.js';
import { stepUpClient } from '../support/step-up.js';
import { rawRequest } from '../support/raw-http.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { actionForm } from './admin-support.js';
import { closesWithin, nextMessage, openWebSocket, startWebSocketUpstream, type WebSocketUpstream } from '../support/ws-upstream.js';

const P = '/.recourse';
const PASSWORD = 'websocket test password 1';
// CONTRACT §8.1: a live WebSocket is closed within 5 s of its session ending.
const CLOSE_WITHIN_MS = 5_000;
// The gateway's periodic re-check of live sockets would close them within 5 s by itself; the
// shared gateway's is set far beyond every deadline, so each way a session ends must close its
// socket through the event it raises. The timer's own test starts a gateway of its own.
const NO_RECHECK_MS = 60 * 60 * 1000;

// What both hops' socket buffers can hold and then some (tcp_rmem's default maximum is 32 MiB,
// tcp_wmem's 4 MiB), far below the 256 MiB the app tries to send.
const STALL_BOUND = 64 * 1024 * 1024;

/**
 * Polls `read` until it stops changing (the same value for ten polls and a second) or passes
 * `bound`, and returns it; a deadline, not a sleep: a loaded machine only makes it wait longer.
 */
async function whenStalled(read: () => number, bound: number, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  let last = read();
  let since = Date.now();
  let samePolls = 0;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = read();
    if (now > bound) return now;
    if (now !== last) {
      last = now;
      since = Date.now();
      samePolls = 0;
    } else if (++samePolls >= 10 && Date.now() - since >= 1_000) {
      return now;
    }
  }
  throw new Error(`still moving after ${deadlineMs} ms (at ${last} bytes)`);
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: WebSocketUpstream;
let gw: TestGateway;
let userId: string;

async function signedInAs(email: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  return client;
}

const signedIn = () => signedInAs('alice@example.com');

async function openAs(client: TestClient | null, path = '/live', options: Parameters<typeof openWebSocket>[2] = {}) {
  return openWebSocket(gw.url, path, { ...(client ? { cookie: client.cookieHeader() } : {}), ...options });
}

async function liveSocket(client: TestClient) {
  const opened = await openAs(client);
  if (!opened.ok) throw new Error(`handshake refused: ${opened.status}`);
  return opened.socket;
}

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startWebSocketUpstream();
  gw = await startTestGateway({
    storage,
    upstream: upstream.url,
    liveSocketRecheckMs: NO_RECHECK_MS,
    config: {
      apps: [
        { name: 'nows', host: 'nows.test', upstream: upstream.url, websockets: false },
        { name: 'app', host: '*', upstream: upstream.url },
      ],
    },
    policy: {
      access: {
        default: 'one_factor',
        rules: [{ paths: ['/denied/**'], policy: 'deny' }, { paths: ['/strong/**'], policy: 'two_factor' }],
      },
    },
  });
  userId = await gw.addUser({ email: 'alice@example.com', password: PASSWORD, name: 'Alice' });
  await gw.addUser({ email: 'owner@example.com', password: PASSWORD, name: 'Owner', role: 'owner' });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

describe('an allowed handshake is relayed', () => {
  it('echoes text and binary frames both ways, with the subprotocol and permessage-deflate the app chose', async () => {
    const opened = await openAs(await signedIn(), '/live?x=1', { protocols: ['v1.chat', 'v2.chat'] });
    if (!opened.ok) throw new Error(`refused ${opened.status}`);
    const { socket } = opened;
    expect(socket.protocol).toBe('v2.chat');
    expect(socket.extensions).toContain('permessage-deflate');
    socket.send('hello through the gateway');
    const text = await nextMessage(socket);
    expect(text).toEqual({ data: Buffer.from('hello through the gateway'), isBinary: false });
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    socket.send(bytes);
    expect(await nextMessage(socket)).toEqual({ data: bytes, isBinary: true });
    const big = Buffer.alloc(1024 * 1024, 7);
    socket.send(big);
    expect((await nextMessage(socket)).data.equals(big)).toBe(true);
    socket.close();
    expect(upstream.handshakes.at(-1)!.url).toBe('/live?x=1');
  });

  it('carries the identity headers and removes the client\'s copies; Origin and Sec-WebSocket-* pass through', async () => {
    const opened = await openAs(await signedIn(), '/identity', {
      headers: { origin: 'https://app.example', 'remote-user': 'admin', 'Remote_Email': 'root@example.com', 'x-forwarded-user': 'admin' },
      protocols: ['v2.chat'],
    });
    if (!opened.ok) throw new Error(`refused ${opened.status}`);
    opened.socket.close();
    const seen = upstream.handshakes.at(-1)!.headers;
    expect(seen['remote-user']).toBe(userId);
    expect(seen['remote-email']).toBe('alice@example.com');
    expect(seen.remote_email).toBeUndefined();
    expect(seen['x-forwarded-user']).toBeUndefined();
    expect(seen.origin).toBe('https://app.example');
    expect(seen['sec-websocket-protocol']).toBe('v2.chat');
    expect(seen['sec-websocket-extensions']).toContain('permessage-deflate');
    expect(seen['sec-websocket-key']).toBeTruthy();
    expect(seen.cookie ?? '').not.toContain('recourse_session');
  });

  it('a client that stops reading stalls the app: the gateway never buffers what the client does not take', async () => {
    const opened = await openAs(await signedIn(), '/flood');
    if (!opened.ok) throw new Error(`refused ${opened.status}`);
    // The client stops reading at once; the app tries to send 256 MiB. With back-pressure the
    // gateway stops reading from the app once its side to the client is full, so the kernel takes
    // only what the socket buffers of both hops hold (some tens of MiB on Linux loopback) and the
    // rest waits in the app's own queue. A relay that reads on regardless takes all 256 MiB.
    opened.socket.pause();
    const handed = await whenStalled(() => upstream.flood.handed(), STALL_BOUND, 60_000);
    expect(handed).toBeLessThanOrEqual(STALL_BOUND);
    expect(upstream.flood.waiting()).toBe(true);
    opened.socket.terminate();
  }, 90_000);

  it("relays the app's refusal of the upgrade as it answered", async () => {
    const opened = await openAs(await signedIn(), '/refuse');
    expect(opened).toMatchObject({ ok: false, status: 418, body: 'no sockets!\n', headers: { 'x-refused': 'yes' } });
  });
});

describe('another upgrade', () => {
  it('h2c is ignored and the request served as HTTP/1.1 (RFC 9110 §7.8)', async () => {
    const client = await signedIn();
    const answer = await rawRequest(Number(new URL(gw.url).port), '/plain', [
      'Host: 127.0.0.1', `Cookie: ${client.cookieHeader()}`, 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__',
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('plain');
  });
});

describe('a refused handshake never reaches the app', () => {
  it.each([
    ['no session', null, '/live', 401],
    ['a denied path', 'alice', '/denied/x', 403],
    ['a password-only session where two factors are required', 'alice', '/strong/x', 401],
    ['an app with websockets: false', 'alice', '/live', 403],
  ] as const)('%s', async (name, who, path, status) => {
    const client = who ? await signedIn() : null;
    const before = upstream.handshakes.length;
    const opened = await openAs(client, path, name.includes('websockets: false') ? { host: 'nows.test' } : {});
    expect(opened).toMatchObject({ ok: false, status });
    expect(upstream.handshakes.length).toBe(before);
  });

  it('counts upgrades by outcome and open sockets per app', async () => {
    const socket = await liveSocket(await signedIn());
    const metrics = await gw.running.metrics.registry.metrics();
    expect(metrics).toMatch(/recourse_websockets_open\{app="app"\} [1-9]/);
    expect(metrics).toMatch(/recourse_websocket_upgrades_total\{app="app",outcome="relayed"\} [1-9]/);
    expect(metrics).toMatch(/recourse_websocket_upgrades_total\{app="app",outcome="unauthenticated"\} [1-9]/);
    socket.close();
  });
});

describe('a live WebSocket is closed within 5 s of its session ending', () => {
  it("closing the client's side ends the app's side too", async () => {
    const socket = await liveSocket(await signedIn());
    const before = upstream.open();
    socket.close();
    await closesWithin(socket, CLOSE_WITHIN_MS);
    await expect.poll(() => upstream.open(), { timeout: CLOSE_WITHIN_MS }).toBeLessThan(before);
  });
  it('logout', async () => {
    const client = await signedIn();
    const socket = await liveSocket(client);
    await client.page(`${P}/account`);
    expect((await client.postForm(`${P}/logout`, {})).status).toBeLessThan(400);
    await closesWithin(socket, CLOSE_WITHIN_MS);
  });

  it('sign out everywhere', async () => {
    const client = await signedIn();
    const socket = await liveSocket(await signedIn());
    await client.page(`${P}/account`);
    expect((await client.postForm(`${P}/account/sessions/revoke-all`, {})).status).toBeLessThan(400);
    await closesWithin(socket, CLOSE_WITHIN_MS);
  });

  it('a revocation written by another process, with no event (the CLI, an instance without Redis)', async () => {
    // Only the periodic re-check can see this one: a gateway with its default interval.
    const timed = await startTestGateway({ storage, upstream: upstream.url });
    try {
      const client = new TestClient(timed.url);
      expect((await client.signIn('alice@example.com', PASSWORD)).status).toBe(303);
      const opened = await openWebSocket(timed.url, '/live', { cookie: client.cookieHeader() });
      if (!opened.ok) throw new Error(`refused ${opened.status}`);
      await revokeUserSessions(storage.db, userId, new Date());
      await closesWithin(opened.socket, CLOSE_WITHIN_MS);
    } finally {
      await timed.close();
    }
  });

  it('an administrator resetting the second factor on the dashboard', async () => {
    const erin = await gw.addUser({ email: 'erin@example.com', password: PASSWORD, name: 'Erin' });
    const socket = await liveSocket(await signedInAs('erin@example.com'));
    const owner = await signedInAs('owner@example.com');
    await stepUpClient(gw, owner);
    const userPage = `${P}/admin/users/${erin}`;
    await owner.page(userPage);
    const res = await owner.postForm(`${userPage}/reset-2fa`, actionForm({ confirm: 'yes' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPage}?notice=reset`);
    await closesWithin(socket, CLOSE_WITHIN_MS);
  });

  it('an administrator disabling the user on the dashboard', async () => {
    const carol = await gw.addUser({ email: 'carol@example.com', password: PASSWORD, name: 'Carol' });
    const socket = await liveSocket(await signedInAs('carol@example.com'));
    const owner = await signedInAs('owner@example.com');
    await stepUpClient(gw, owner);
    const userPage = `${P}/admin/users/${carol}`;
    await owner.page(userPage);
    const res = await owner.postForm(`${userPage}/disable`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPage}?notice=disabled`);
    await closesWithin(socket, CLOSE_WITHIN_MS);
  });
});

describe('expiry', () => {
  it('a session reaching session.max_age closes its socket within 5 s', async () => {
    const clock = new FixedClock(new Date());
    const expiring = await startTestGateway({ storage, upstream: upstream.url, clock, config: { session: { max_age: '1h', idle_timeout: '30m' } } });
    try {
      await expiring.addUser({ email: 'bob@example.com', password: PASSWORD });
      const client = new TestClient(expiring.url);
      expect((await client.signIn('bob@example.com', PASSWORD)).status).toBe(303);
      const opened = await openWebSocket(expiring.url, '/live', { cookie: client.cookieHeader() });
      if (!opened.ok) throw new Error(`refused ${opened.status}`);
      clock.advance(60 * 60 * 1000 + 1_000);
      await closesWithin(opened.socket, CLOSE_WITHIN_MS);
    } finally {
      await expiring.close();
    }
  });
});
