// Attack: forging the session cookie. The attacker holds a real (their own, or a stolen and
// expired) session token and rewrites it: another session id under the old signature, a flipped
// signature byte, `alg: none`, HS512 or RS256 headers, HMAC with the server secret used directly
// as a key, an `exp` moved past, another audience or issuer — and sends each to the real
// server: the proxy, forward-auth and the gateway's own pages. SECURITY S3: one fixed algorithm,
// expiry and audience checked; a forged token is no session anywhere.
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../gateway/security/hash.js';
import { SESSION_AUDIENCE } from '../../gateway/session/token.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const HOUR_S = 3600;
const clock = new FixedClock('2026-05-04T10:00:00Z');
const key = deriveKey(TEST_SECRET, 'session-token');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let victim = '';
let victimSid = '';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(clock.nowMs() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ sid: victimSid, iss: 'recourse', aud: SESSION_AUDIENCE, iat: nowS(), exp: nowS() + HOUR_S, ...extra });
/** A compact JWS with any header, signed by HMAC over `signingKey` with `hash` (or unsigned). */
function handmade(header: Record<string, unknown>, payload: Record<string, unknown>, signingKey?: Uint8Array | string, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signingKey === undefined ? '' : createHmac(hash, signingKey).update(input).digest('base64url')}`;
}
const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock });
  await gw.addUser({ email: 'victim@example.com', password: 'correct horse battery' });
  const client = new TestClient(gw.url);
  expect((await client.signIn('victim@example.com', 'correct horse battery')).status).toBe(303);
  victim = client.cookies.get(COOKIE)!;
  victimSid = JSON.parse(Buffer.from(victim.split('.')[1]!, 'base64url').toString()).sid;
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** What each entry point makes of a cookie value: proxied to the app, passed by verify, the account page. */
async function judge(token: string) {
  const cookie = `${COOKIE}=${token}`;
  const before = upstream.seen.length;
  const app = await fetch(`${gw.url}/inbox`, { headers: { cookie }, redirect: 'manual' });
  await app.arrayBuffer();
  const verify = await fetch(`${gw.url}${P}/verify`, { headers: { cookie }, redirect: 'manual' });
  const account = await fetch(`${gw.url}${P}/account`, { headers: { cookie }, redirect: 'manual' });
  return {
    upstream: upstream.seen.length > before,
    app: app.status,
    verify: verify.status,
    verifyUser: verify.headers.get('remote-email'),
    account: account.status,
  };
}

const refused = { upstream: false, app: 302, verify: 302, verifyUser: null, account: 302 };

describe('forged session tokens through the real server (SECURITY S3)', () => {
  it('controls: the genuine token, and one re-signed exactly as the gateway signs, are the victim', async () => {
    const granted = { upstream: true, app: 200, verify: 200, verifyUser: 'victim@example.com', account: 200 };
    expect(await judge(victim)).toEqual(granted);
    expect(await judge(await sign(claims()))).toEqual(granted);
  });

  const forgeries: Array<[string, () => Promise<string> | string]> = [
    ['another payload under the old signature', () => {
      const [header, , signature] = victim.split('.');
      return `${header}.${b64(claims({ sid: 'someone-elses-sid', exp: nowS() + 100 * HOUR_S }))}.${signature}`;
    }],
    ['a flipped signature byte', () => `${victim.slice(0, -3)}${victim.at(-3) === 'A' ? 'B' : 'A'}${victim.slice(-2)}`],
    ['alg none, no signature', () => handmade({ alg: 'none', typ: 'JWT' }, claims())],
    ['alg none, keeping the old signature', () => `${b64({ alg: 'none', typ: 'JWT' })}.${victim.split('.')[1]}.${victim.split('.')[2]}`],
    ['alg NONE in capitals', () => handmade({ alg: 'NONE' }, claims())],
    ['HS512 with the gateway key', () => handmade({ alg: 'HS512', typ: 'JWT' }, claims(), key, 'sha512')],
    ['RS256 header, HMAC with the server secret as the key', () => handmade({ alg: 'RS256', typ: 'JWT' }, claims(), TEST_SECRET)],
    ['HS256 with the server secret itself as the key', () => handmade({ alg: 'HS256', typ: 'JWT' }, claims(), TEST_SECRET)],
    ['an exp moved into the past', () => sign(claims({ iat: nowS() - 2 * HOUR_S, exp: nowS() - 1 }))],
    ['no exp at all', () => sign(claims({ exp: undefined }))],
    ['another audience', () => sign(claims({ aud: 'recourse:csrf' }))],
    ['an audience list that merely includes ours', () => sign(claims({ aud: ['attacker', 'recourse:other'] }))],
    ['another issuer', () => sign(claims({ iss: 'attacker' }))],
    ['a numeric sid', () => sign(claims({ sid: 1 }))],
    ['garbage', () => 'not.a.token'],
  ];

  it.each(forgeries)('refuses %s everywhere', async (_name, forge) => {
    expect(await judge(await forge())).toEqual(refused);
  });

  it('a token that was valid stops working when it expires, though its row would still live', async () => {
    const shortLived = await sign(claims({ exp: nowS() + 60 }));
    expect((await judge(shortLived)).app).toBe(200);
    clock.advance(61_000);
    expect(await judge(shortLived)).toEqual(refused);
    // The session itself (its row and the genuine token) is still alive.
    expect((await judge(victim)).app).toBe(200);
  });
});
