/**
 * The signed identity assertion (CONTRACT §8.2, issue 26 item 2), checked the way an app checks
 * it: jose's createRemoteJWKSet fetching the gateway's key set over HTTP. It verifies for its own
 * app only and not after `exp`; it is reused while more than half its life is left; and a key
 * rotation, with verifiers refreshing their key set as jose does (every 10 minutes), costs not one
 * failed verification. Its `amr` tells a key bound to one device (hwk) from a synced passkey (swk).
 * Time is the gateway's injected clock, stepped by the test.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, signingKeys } from '../../db/schema/index.js';
import { keysRotate } from '../../gateway/cli/commands/keys.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { TestClient } from '../support/client.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { VirtualAuthenticator } from '../support/virtual-authenticator.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const HEADER = 'x-recourse-assertion';
const PASSWORD = 'assertion test password';
// jose's createRemoteJWKSet default `cacheMaxAge`.
const VERIFIER_CACHE_MS = 10 * 60_000;
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-12-01T09:00:00Z');
let userId = '';
let full = '';
let passwordOnly = '';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage, clock,
    config: { apps: [{ name: 'wiki', host: '*', upstream: upstream.url, identity: { assertion: { header: 'X-Recourse-Assertion' } } }] },
  });
  userId = await gw.addUser({ email: 'ada@example.com', name: 'Ada Lovelace', type: 'employee' });
  full = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 2, secondFactorAt: clock.now(), secondFactorAmr: 'hwk' })).cookieValue;
  passwordOnly = (await gw.running.sessions.issue(storage.db, { userId, authLevel: 1 })).cookieValue;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function assertionFor(cookie: string): Promise<string> {
  // A client's own assertion, in the spellings a CGI upstream reads as the same header, never arrives.
  const res = await request(`${gw.url}/page`, { headers: [`Cookie`, `${COOKIE}=${cookie}`, 'X-Recourse-Assertion', 'forged', 'x_recourse_assertion', 'forged'] });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  const { rawHeaders } = upstream.last()!;
  const tokens = rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase().replaceAll('_', '-') === HEADER);
  expect(tokens).toHaveLength(1);
  return tokens[0]!;
}

const jwksUrl = () => new URL(`${gw.url}${P}/.well-known/jwks.json`);
const verify = (token: string, verifier: ReturnType<typeof createRemoteJWKSet>, options: { audience?: string; at?: Date } = {}) =>
  jwtVerify(token, verifier, { issuer: gw.config.server.public_url, audience: options.audience ?? 'wiki', algorithms: ['ES256'], currentDate: options.at ?? clock.now() });

describe('an app verifying its assertion with createRemoteJWKSet', () => {
  it('verifies, and says who, for which app, by which methods, for at most 60 s', async () => {
    const token = await assertionFor(full);
    const { payload, protectedHeader } = await verify(token, createRemoteJWKSet(jwksUrl()));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      iss: gw.config.server.public_url, aud: 'wiki', sub: userId, email: 'ada@example.com', name: 'Ada Lovelace',
      groups: ['user', 'employee'], amr: ['pwd', 'hwk', 'mfa'], iat: clock.nowMs() / 1000,
    });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  });

  it('says only pwd for a password-only session', async () => {
    const { payload } = await verify(await assertionFor(passwordOnly), createRemoteJWKSet(jwksUrl()));
    expect(payload.amr).toEqual(['pwd']);
  });

  it('is refused by another app and after exp', async () => {
    const token = await assertionFor(full);
    const verifier = createRemoteJWKSet(jwksUrl());
    await expect(verify(token, verifier, { audience: 'grafana' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    const { payload } = await verify(token, verifier);
    await expect(verify(token, verifier, { at: new Date(payload.exp! * 1000 + 1000) })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('is reused for the session while more than half its life is left, then signed anew', async () => {
    clock.advance(5 * 60_000);
    const first = await assertionFor(full);
    clock.advance(29_000);
    expect(await assertionFor(full)).toBe(first);
    clock.advance(2_000);
    const second = await assertionFor(full);
    expect(second).not.toBe(first);
    expect(await assertionFor(passwordOnly)).not.toBe(second);
  });
});

describe('amr after a WebAuthn second factor (RFC 8176 §2)', () => {
  async function signedIn(email: string): Promise<TestClient> {
    const client = new TestClient(gw.url);
    expect((await client.signIn(email, PASSWORD)).status).toBe(303);
    return client;
  }
  const amrOf = async (client: TestClient) => (await verify(await assertionFor(client.cookies.get(COOKIE)!), createRemoteJWKSet(jwksUrl()))).payload.amr;

  it.each([
    ['a security key bound to one device', 'key@example.com', false, 'hwk'],
    ['a synced passkey (backup eligible and backed up)', 'passkey@example.com', true, 'swk'],
  ])('%s', async (_, email, synced, amr) => {
    await gw.addUser({ email, password: PASSWORD });
    const authenticator = new VirtualAuthenticator(gw.url, { synced });
    // Enrolling the first key steps the session up with it.
    const enrolling = await signedIn(email);
    const creation = await enrolling.postJson(`${P}/enroll/webauthn/options`, {});
    expect((await enrolling.postJson(`${P}/enroll/webauthn/verify`, { response: authenticator.register(await creation.json()) })).status).toBe(200);
    expect(await amrOf(enrolling)).toEqual(['pwd', amr, 'mfa']);
    // Signing in again, the key answers the challenge.
    const client = await signedIn(email);
    const request = await client.postJson(`${P}/2fa/webauthn/options`, {});
    expect((await client.postJson(`${P}/2fa/webauthn/verify`, { response: authenticator.authenticate(await request.json()) })).status).toBe(200);
    expect(await amrOf(client)).toEqual(['pwd', amr, 'mfa']);
  });
});

describe('a key rotation', () => {
  it('publishes the new key before it signs and the old one until its last assertion expires: no verification fails', async () => {
    const verifier = createRemoteJWKSet(jwksUrl());
    let refreshedAt = clock.nowMs();
    const kids = new Set<string>();
    const failures: string[] = [];
    const started = clock.nowMs();
    let rotated = false;
    while (clock.nowMs() - started < 40 * 60_000) {
      if (!rotated && clock.nowMs() - started >= 3 * 60_000) {
        const out: string[] = [];
        const code = await keysRotate.run({ db: storage.db, config: gw.config, clock, out: (line) => out.push(line), err: (line) => out.push(line) }, {});
        expect(code, out.join('\n')).toBe(0);
        rotated = true;
      }
      // A verifier's cached key set goes stale after cacheMaxAge, and jose reads it again.
      if (clock.nowMs() - refreshedAt >= VERIFIER_CACHE_MS) {
        await verifier.reload();
        refreshedAt = clock.nowMs();
      }
      const token = await assertionFor(full);
      kids.add(decodeProtectedHeader(token).kid!);
      await verify(token, verifier).catch((error: Error) => failures.push(`${new Date(clock.nowMs()).toISOString()}: ${error.message}`));
      clock.advance(20_000);
    }
    expect(failures).toEqual([]);
    expect(kids.size).toBe(2);
    const [audited] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'keys.rotated'));
    expect(audited).toMatchObject({ actorLabel: 'cli', details: { immediately: false, kid: [...kids][1] } });
  });

  it('drops the retired key from the key set once its assertions have expired', async () => {
    const res = await request(jwksUrl());
    const { keys } = await res.body.json() as { keys: Array<{ kid: string; kty: string; crv: string; d?: string }> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]!.d).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=60');
  });

  it('keeps private keys sealed in the database', async () => {
    const rows = await storage.db.select().from(signingKeys);
    expect(rows.length).toBe(2);
    for (const row of rows) {
      expect(row.privateKeySealed).toMatch(/^v1\./);
      expect(row.privateKeySealed).not.toContain('"d"');
      expect(JSON.stringify(row.publicJwk)).not.toContain('"d"');
    }
  });
});


describe('an assertion that cannot be signed', () => {
  it('refuses the request with 503 and sends nothing to the app (its key sealed under another server secret)', async () => {
    const sealedElsewhere = await openTestStorage();
    const app = await startEchoUpstream();
    const config = { apps: [{ name: 'wiki', host: '*', upstream: app.url, identity: { assertion: { header: 'X-Recourse-Assertion' } } }] };
    try {
      // The first gateway makes the signing key under its secret; the second cannot open it.
      const first = await startTestGateway({ storage: sealedElsewhere, config: { ...config, session: { secret: 'another-secret-another-secret-another-0123' } } });
      expect((await request(`${first.url}${P}/.well-known/jwks.json`)).statusCode).toBe(200);
      await first.close();
      const second = await startTestGateway({ storage: sealedElsewhere, config });
      try {
        const id = await second.addUser({ email: 'grace@example.com' });
        const cookie = (await second.running.sessions.issue(sealedElsewhere.db, { userId: id, authLevel: 2, secondFactorAt: new Date(), secondFactorAmr: 'otp' })).cookieValue;
        const res = await request(`${second.url}/page`, { headers: { cookie: `${COOKIE}=${cookie}`, accept: 'text/html' } });
        expect(res.statusCode).toBe(503);
        expect(await res.body.text()).toContain('unavailable');
        expect(app.seen).toHaveLength(0);
      } finally {
        await second.close();
      }
    } finally {
      await app.close();
      await sealedElsewhere.close();
    }
  });
});
