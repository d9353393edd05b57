// WebAuthn through the real server, driven by a software authenticator. The attacks: a replayed or
// expired challenge, one assertion raced twenty times, a phishing origin, one credential claimed by
// two accounts, a cloned key (counter going back), key management across accounts, and a password
// thief adding their own key (SECURITY W1–W3, S4).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, webauthnCredentials } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { VirtualAuthenticator, type CeremonyOverrides, type VirtualCredential } from '../support/virtual-authenticator.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let upstream: ProxiedTestGateway['upstream'];
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};

beforeAll(async () => {
  fixture = await startProxiedTestGateway({ clock, policy: { access: { default: 'two_factor' } } });
  ({ storage, upstream, gw } = fixture);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'heidi']) {
    ids[name] = await gw.addUser({ email: `${name}@example.com`, password: PASSWORD, name });
  }
});
afterAll(async () => {
  await fixture?.close();
});

async function signedIn(name: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(`${name}@example.com`, PASSWORD)).status).toBe(303);
  return client;
}

async function registerKey(client: TestClient, authenticator: VirtualAuthenticator, extra: { name?: string } & CeremonyOverrides & { reuse?: VirtualCredential } = {}) {
  const options = await client.postJson(`${P}/enroll/webauthn/options`, {});
  expect(options.status).toBe(200);
  const response = authenticator.register(await options.json(), extra);
  return client.postJson(`${P}/enroll/webauthn/verify`, { response, name: extra.name ?? '' });
}

async function assertionFor(client: TestClient, authenticator: VirtualAuthenticator, overrides: CeremonyOverrides = {}) {
  const options = await client.postJson(`${P}/2fa/webauthn/options`, {});
  expect(options.status).toBe(200);
  return authenticator.authenticate(await options.json(), overrides);
}

const verifyAssertion = (client: TestClient, response: unknown, rd?: string) => client.postJson(`${P}/2fa/webauthn/verify`, { response, ...(rd ? { rd } : {}) });
const keysOf = (name: string) => storage.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, ids[name]!));
const auditOf = (name: string, event: string) => storage.db.select().from(auditLog).where(and(eq(auditLog.userId, ids[name]!), eq(auditLog.event, event)));
/** Whether this browser's session may reach the upstream on the two_factor policy. */
const reachesUpstream = async (client: TestClient) => (await client.request('/reports')).status === 200;

/** A user with one registered key, signed out again. */
async function userWithKey(name: string): Promise<VirtualAuthenticator> {
  const authenticator = new VirtualAuthenticator(gw.url);
  const res = await registerKey(await signedIn(name), authenticator);
  expect(res.status).toBe(200);
  return authenticator;
}

describe('registering a key and signing in with it', () => {
  let alice: VirtualAuthenticator;

  it('enrols a first key from a password session, which becomes a level-2 session with a new id', async () => {
    alice = new VirtualAuthenticator(gw.url);
    const client = await signedIn('alice');
    const before = client.cookies.get('recourse_session');
    expect(await reachesUpstream(client)).toBe(false);
    const res = await registerKey(client, alice, { name: '  Blue key\n' });
    expect(res.status).toBe(200);
    // A first factor comes with backup codes, shown once before going on.
    expect(await res.json()).toEqual({ ok: true, redirect: `${P}/backup-codes?rd=${encodeURIComponent(`${P}/account`)}` });
    expect(client.cookies.get('recourse_session')).not.toBe(before);
    expect(await reachesUpstream(client)).toBe(true);
    const [key] = await keysOf('alice');
    expect(key).toMatchObject({ name: 'Blue key', counter: 0, credentialId: alice.credentials[0]!.id, transports: ['usb'] });
    expect(await auditOf('alice', 'webauthn.enrolled')).toHaveLength(1);
  });

  it('passes the second factor with the key and reaches the upstream (two_factor policy)', async () => {
    const client = await signedIn('alice');
    const blocked = await client.request('/reports');
    expect(blocked.status).toBe(302);
    expect(blocked.headers.get('location')).toContain(`${P}/2fa?rd=`);
    const res = await verifyAssertion(client, await assertionFor(client, alice), `${gw.url}/reports`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, redirect: `${gw.url}/reports` });
    expect(await reachesUpstream(client)).toBe(true);
    expect(upstream.last()?.headers['remote-email']).toBe('alice@example.com');
    const [key] = await keysOf('alice');
    expect(key?.counter).toBe(1);
    expect(key?.lastUsedAt?.toISOString()).toBe(clock.now().toISOString());
  });

  it('names further keys "Security key N" by default, without a new session when already at level 2', async () => {
    const client = await signedIn('alice');
    expect((await verifyAssertion(client, await assertionFor(client, alice))).status).toBe(200);
    const session = client.cookies.get('recourse_session');
    const res = await registerKey(client, new VirtualAuthenticator(gw.url));
    expect(res.status).toBe(200);
    expect(client.cookies.get('recourse_session')).toBe(session);
    expect((await keysOf('alice')).map((k) => k.name).sort()).toEqual(['Blue key', 'Security key 2']);
  });

  it('a password-only session of a user with a factor cannot add a key (nor can no session)', async () => {
    const client = await signedIn('alice');
    const options = await client.postJson(`${P}/enroll/webauthn/options`, {});
    expect(options.status).toBe(403);
    expect((await options.json()).error.code).toBe('step_up_required');
    const verify = await client.postJson(`${P}/enroll/webauthn/verify`, { response: { id: 'x', response: {} } });
    expect(verify.status).toBe(403);
    const anonymous = new TestClient(gw.url);
    await anonymous.page(`${P}/login`);
    expect((await anonymous.postJson(`${P}/enroll/webauthn/options`, {})).status).toBe(401);
    expect((await anonymous.postJson(`${P}/2fa/webauthn/options`, {})).status).toBe(401);
  });
});

describe('challenges (W1)', () => {
  let bob: VirtualAuthenticator;
  beforeAll(async () => {
    bob = await userWithKey('bob');
  });

  it('refuses an assertion from another origin, and the failed answer burns the challenge', async () => {
    const client = await signedIn('bob');
    const options = await (await client.postJson(`${P}/2fa/webauthn/options`, {})).json();
    const phished = bob.authenticate(options, { origin: 'http://evil.example' });
    const res = await verifyAssertion(client, phished);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: 'webauthn_failed', message: 'That security key could not be verified. Try again.' });
    expect(await reachesUpstream(client)).toBe(false);
    const genuine = bob.authenticate(options);
    expect((await verifyAssertion(client, genuine)).status).toBe(400);
    expect(await reachesUpstream(client)).toBe(false);
    const failures = await auditOf('bob', 'second_factor.failed');
    expect(failures.map((row) => row.details.reason)).toEqual(['verification_failed', 'challenge_invalid']);
  });

  it('refuses a registration replayed on its consumed challenge', async () => {
    const client = await signedIn('bob');
    expect((await verifyAssertion(client, await assertionFor(client, bob))).status).toBe(200);
    const options = await (await client.postJson(`${P}/enroll/webauthn/options`, {})).json();
    const spare = new VirtualAuthenticator(gw.url);
    expect((await client.postJson(`${P}/enroll/webauthn/verify`, { response: spare.register(options) })).status).toBe(200);
    const replayed = await client.postJson(`${P}/enroll/webauthn/verify`, { response: spare.register(options) });
    expect(replayed.status).toBe(400);
    expect(await keysOf('bob')).toHaveLength(2);
  });

  it('refuses a challenge answered from another session of the same user, and an expired one', async () => {
    const asking = await signedIn('bob');
    const assertion = await assertionFor(asking, bob);
    const other = await signedIn('bob');
    expect((await verifyAssertion(other, assertion)).status).toBe(400);
    expect(await reachesUpstream(other)).toBe(false);

    const slow = await signedIn('bob');
    const late = await assertionFor(slow, bob);
    clock.advance(5 * 60_000 + 1_000);
    expect((await verifyAssertion(slow, late)).status).toBe(400);
    expect(await reachesUpstream(slow)).toBe(false);
  });

  it('of twenty concurrent submissions of one assertion, exactly one succeeds', async () => {
    const carol = await userWithKey('carol');
    const client = await signedIn('carol');
    const assertion = await assertionFor(client, carol);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyAssertion(client, assertion)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    const succeeded = await auditOf('carol', 'second_factor.succeeded');
    expect(succeeded.filter((row) => row.details.method === 'webauthn' && !row.details.enrolled)).toHaveLength(1);
  });
});

describe('credentials (W2, W3)', () => {
  it('refuses a credential id that another account registered', async () => {
    const erin = await userWithKey('erin');
    const dave = new VirtualAuthenticator(gw.url);
    const client = await signedIn('dave');
    const res = await registerKey(client, dave, { reuse: erin.credentials[0]! });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('credential_exists');
    expect(await keysOf('dave')).toHaveLength(0);
    expect(await reachesUpstream(client)).toBe(false);
  });

  it('refuses a sign-in whose counter does not grow, and audits it', async () => {
    const frank = await userWithKey('frank');
    const first = await signedIn('frank');
    expect((await verifyAssertion(first, await assertionFor(first, frank, { counter: 10 }))).status).toBe(200);
    for (const counter of [10, 4]) {
      const clone = await signedIn('frank');
      expect((await verifyAssertion(clone, await assertionFor(clone, frank, { counter }))).status).toBe(400);
      expect(await reachesUpstream(clone)).toBe(false);
    }
    const reasons = (await auditOf('frank', 'second_factor.failed')).map((row) => row.details.reason);
    expect(reasons).toEqual(['counter_regression', 'counter_regression']);
    expect((await keysOf('frank'))[0]?.counter).toBe(10);
    const next = await signedIn('frank');
    expect((await verifyAssertion(next, await assertionFor(next, frank, { counter: 11 }))).status).toBe(200);
  });
});

describe('user verification (W2)', () => {
  afterAll(async () => {
    gw.writePolicy({ access: { default: 'two_factor' } });
    expect((await gw.running.policies.reload()).ok).toBe(true);
  });

  it('refuses a key that did not verify the user when the policy requires it', async () => {
    gw.writePolicy({ access: { default: 'two_factor' }, factors: { webauthn: { user_verification: 'required' } } });
    expect((await gw.running.policies.reload()).ok).toBe(true);
    const client = await signedIn('heidi');
    const options = await (await client.postJson(`${P}/enroll/webauthn/options`, {})).json();
    expect(options.authenticatorSelection.userVerification).toBe('required');
    const authenticator = new VirtualAuthenticator(gw.url);
    const presenceOnly = authenticator.register(options, { noUserVerification: true });
    expect((await client.postJson(`${P}/enroll/webauthn/verify`, { response: presenceOnly })).status).toBe(400);
    expect(await keysOf('heidi')).toHaveLength(0);
    expect((await registerKey(client, authenticator)).status).toBe(200);

    const next = await signedIn('heidi');
    expect((await verifyAssertion(next, await assertionFor(next, authenticator, { noUserVerification: true }))).status).toBe(400);
    expect(await reachesUpstream(next)).toBe(false);
    expect((await verifyAssertion(next, await assertionFor(next, authenticator))).status).toBe(200);
    expect(await reachesUpstream(next)).toBe(true);
  });
});

describe('managing keys', () => {
  it('another user\'s key cannot be renamed or removed (404); one\'s own can, with a level-2 session', async () => {
    const [aliceKey] = await keysOf('alice');
    const client = await signedIn('dave');
    expect((await registerKey(client, new VirtualAuthenticator(gw.url))).status).toBe(200);
    const rename = await client.postForm(`${P}/account/webauthn/${aliceKey!.id}/rename`, { name: 'mine now' });
    expect(rename.status).toBe(404);
    const remove = await client.postForm(`${P}/account/webauthn/${aliceKey!.id}/remove`, {});
    expect(remove.status).toBe(404);
    expect((await keysOf('alice')).find((k) => k.id === aliceKey!.id)?.name).toBe('Blue key');

    const [own] = await keysOf('dave');
    const renamed = await client.postForm(`${P}/account/webauthn/${own!.id}/rename`, { name: 'Green key' });
    expect(renamed.status).toBe(303);
    expect(renamed.headers.get('location')).toBe(`${P}/account`);
    expect((await keysOf('dave'))[0]?.name).toBe('Green key');

    // Password only: sent to the second factor, the key untouched.
    const passwordOnly = await signedIn('dave');
    for (const action of ['rename', 'remove']) {
      const refused = await passwordOnly.postForm(`${P}/account/webauthn/${own!.id}/${action}`, { name: 'thief' });
      expect(refused.status).toBe(303);
      expect(refused.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/account`)}`);
    }
    expect(await keysOf('dave')).toMatchObject([{ name: 'Green key' }]);

    const removed = await client.postForm(`${P}/account/webauthn/${own!.id}/remove`, {});
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe(`${P}/account`);
    expect(await keysOf('dave')).toHaveLength(0);
    const [audit] = await auditOf('dave', 'webauthn.removed');
    expect(audit?.details).toEqual({ key: own!.id, name: 'Green key' });
  });

  it('refuses a key form without the CSRF token', async () => {
    const [aliceKey] = await keysOf('alice');
    const client = await signedIn('alice');
    client.csrf = 'forged';
    expect((await client.postForm(`${P}/account/webauthn/${aliceKey!.id}/rename`, { name: 'x' })).status).toBe(403);
    expect((await client.postJson(`${P}/2fa/webauthn/options`, {})).status).toBe(403);
  });
});
