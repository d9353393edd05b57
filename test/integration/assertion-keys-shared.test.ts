// Two instances behind one load balancer sign the apps' assertions with the same keys (CONTRACT
// §8.2): the key set lives in the database, so an assertion from one verifies with the other's
// key set, two instances starting together agree on one first key, and a rotation on one reaches
// both. On PostgreSQL each instance has its own connection pool (CI's second run); on PGlite the
// two share the one in-memory database.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';
import { rotateSigningKey } from '../../gateway/identity/signing-keys.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage, usingPostgres } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let second: Storage;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let a: TestGateway;
let b: TestGateway;
let userId = '';

const apps = () => [{ name: 'wiki', host: '*', upstream: upstream.url, identity: { assertion: { header: 'X-Recourse-Assertion' } } }];
const kidsOf = async (gw: TestGateway) => {
  const res = await request(`${gw.url}${P}/.well-known/jwks.json`);
  expect(res.statusCode).toBe(200);
  return ((await res.body.json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid).sort();
};

beforeAll(async () => {
  storage = await openTestStorage();
  second = usingPostgres ? await openStorage({ databaseUrl: storage.databaseUrl, dataDir: '' }) : storage;
  upstream = await startEchoUpstream();
  [a, b] = await Promise.all([
    startTestGateway({ storage, config: { apps: apps() } }),
    startTestGateway({ storage: second, config: { apps: apps() } }),
  ]);
  userId = await a.addUser({ email: 'ada@example.com', name: 'Ada' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  if (second && second !== storage) await second.close();
  await upstream?.close();
  await storage?.close();
});

describe('two instances on one database', () => {
  it('agree on one first key, even asked at the same moment', async () => {
    const [fromA, fromB] = await Promise.all([kidsOf(a), kidsOf(b)]);
    expect(fromA).toHaveLength(1);
    expect(fromB).toEqual(fromA);
  });

  it('sign assertions that verify with either instance\'s key set', async () => {
    const cookie = (await a.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
    for (const [signer, verifier] of [[a, b], [b, a]] as const) {
      const res = await request(`${signer.url}/page`, { headers: { cookie: `recourse_session=${cookie}` } });
      await res.body.dump();
      const token = upstream.last()!.headers['x-recourse-assertion'] as string;
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${verifier.url}${P}/.well-known/jwks.json`)), { audience: 'wiki', issuer: signer.config.server.public_url });
      expect(payload.sub).toBe(userId);
    }
  });

  it('both publish a key rotated on one', async () => {
    await storage.db.transaction((tx) => rotateSigningKey(tx, a.config.session.secret, a.clock.now(), { immediately: false }));
    // Each instance reads the key set again within a minute; the test does not wait for it.
    await Promise.all([a.running.identity.keyring.reload(), b.running.identity.keyring.reload()]);
    const [fromA, fromB] = await Promise.all([kidsOf(a), kidsOf(b)]);
    expect(fromA).toHaveLength(2);
    expect(fromB).toEqual(fromA);
  });

  it('fail closed on an instance whose secret does not open the keys: 503, and the app never sees the request', async () => {
    const stranger = await startTestGateway({ storage, config: { apps: apps(), session: { secret: 'another-secret-another-secret-another-0123456' } } });
    try {
      const cookie = (await stranger.running.sessions.issue(storage.db, { userId, authLevel: 2 })).cookieValue;
      const before = upstream.seen.length;
      const res = await request(`${stranger.url}/page`, { headers: { cookie: `recourse_session=${cookie}` } });
      await res.body.dump();
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(upstream.seen.length).toBe(before);
    } finally {
      await stranger.close();
    }
  });
});
