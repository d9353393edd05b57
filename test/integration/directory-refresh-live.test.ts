/**
 * The directory stays the truth (issue 27 item 3) for what is already running, against a real
 * OpenLDAP and the background refresh at its shortest interval: a group change in the directory
 * changes an access rule's decision (not only the groups header), and a user locked or removed
 * there loses a live WebSocket through the gateway within the refresh interval (+5 s, CONTRACT
 * §8.1's bound for a socket once its session ends).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd, REPORTS_GROUP_POLICY } from '../support/slapd.js';
import { openTestStorage } from '../support/storage.js';
import { closesWithin, openWebSocket, startWebSocketUpstream, type WebSocketUpstream } from '../support/ws-upstream.js';

// The shortest refresh the config allows (every refresh lists the whole directory).
const REFRESH_MS = 10_000;
// CONTRACT §8.1: a live WebSocket is closed within 5 s of its session ending.
const CLOSE_WITHIN_MS = 5_000;
if (!hasSlapd) console.warn(`skipping directory refresh tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('refresh reaches what is already running', () => {
  let slapd: RunningSlapd;
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let upstream: WebSocketUpstream;
  let gw: TestGateway;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
    storage = await openTestStorage();
    upstream = await startWebSocketUpstream();
    gw = await startTestGateway({
      storage,
      upstream: upstream.url,
      policy: REPORTS_GROUP_POLICY,
      config: directoryConfig(slapd, dir, {}, `${REFRESH_MS / 1000}s`),
    });
    await gw.running.directoryRefresh!.refreshNow();
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await storage?.close();
    await slapd?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(login: string, password: string): Promise<TestClient> {
    const client = new TestClient(gw.url);
    expect((await client.signIn(login, password)).status).toBe(303);
    return client;
  }

  const membership = (change: 'add' | 'delete', group: string, uid: string) =>
    slapd.modify([`dn: cn=${group},ou=groups,dc=example,dc=org`, 'changetype: modify', `${change}: member`, `member: uid=${uid},ou=people,dc=example,dc=org`, ''].join('\n'));

  it('a group gained or lost in the directory changes an access rule\'s decision for a live session after refresh', async () => {
    const alice = await signedIn('alice', 'alice-password-1');
    expect((await alice.request('/reports/q1')).status).toBe(403);

    await membership('add', 'reports', 'alice');
    expect(await gw.running.directoryRefresh!.refreshNow()).toMatchObject({ ok: true, updated: 1 });
    expect((await alice.request('/reports/q1')).status).toBe(200);

    await membership('delete', 'reports', 'alice');
    expect(await gw.running.directoryRefresh!.refreshNow()).toMatchObject({ ok: true, updated: 1 });
    expect((await alice.request('/reports/q1')).status).toBe(403);
    expect((await alice.request('/elsewhere')).status).toBe(200);
  });

  it(`a user locked, and one removed, in the directory lose their live WebSocket within refresh (${REFRESH_MS / 1000} s) + 5 s, with no refresh asked for`, async () => {
    const sockets = await Promise.all([['bob', 'bob-password-12'], ['alice', 'alice-password-1']].map(async ([login, password]) => {
      const client = await signedIn(login!, password!);
      const opened = await openWebSocket(gw.url, '/live', { cookie: client.cookieHeader() });
      if (!opened.ok) throw new Error(`handshake refused: ${opened.status}`);
      return { client, socket: opened.socket };
    }));
    const [bob, alice] = sockets;

    await slapd.modify([
      'dn: uid=bob,ou=people,dc=example,dc=org', 'changetype: modify', 'add: pwdAccountLockedTime', 'pwdAccountLockedTime: 000001010000Z', '',
      'dn: uid=alice,ou=people,dc=example,dc=org', 'changetype: delete', '',
    ].join('\n'));
    // Only the background refresh runs: the sockets must close on its next tick.
    await Promise.all([bob!.socket, alice!.socket].map((socket) => closesWithin(socket, REFRESH_MS + CLOSE_WITHIN_MS)));
    expect((await bob!.client.request('/')).status).toBe(302);
    expect((await alice!.client.request('/')).status).toBe(302);
  }, 60_000);
});
