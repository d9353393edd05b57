// Attack: stealing or riding the session cookie through its attributes. Script injected into an
// app on the same host reads `document.cookie`; a cross-site page makes the browser send the cookie
// on a POST; a plain-http request on a hostile network carries it in clear; a cookie scoped to a
// sub-path or without expiry lingers where it should not; a step up quietly extends a session.
// SECURITY S2: the session and CSRF cookies are `HttpOnly; SameSite=Lax; Path=/`, `Secure`
// whenever the public URL is https; idle timeout ≤ 30 min and absolute lifetime ≤ 12 h by default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const HOUR_MS = 3_600_000;
const clock = new FixedClock('2026-05-04T10:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let plain: TestGateway;
let secure: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  // Defaults for everything under `session:` except the secret the harness sets.
  plain = await startTestGateway({ storage, clock });
  // The same gateway published at an https URL (TLS ends at a proxy in front of it).
  secure = await startTestGateway({ storage, clock, config: { server: { public_url: 'https://gateway.example' } } });
  await plain.addUser({ email: 'alice@example.com', password: PASSWORD });
});
afterAll(async () => {
  await plain?.close();
  await secure?.close();
  await storage?.close();
});

/** The Set-Cookie line for `name`, as attribute name → value (lower-case names). */
function cookieLine(res: Response, name: string): Map<string, string> | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  if (!line) return undefined;
  const [, ...attributes] = line.split(';').map((part) => part.trim());
  return new Map(attributes.map((a) => {
    const at = a.indexOf('=');
    return at === -1 ? [a.toLowerCase(), ''] : [a.slice(0, at).toLowerCase(), a.slice(at + 1)];
  }));
}

async function signInResponse(gw: TestGateway): Promise<{ login: Response; page: Response; client: TestClient }> {
  const client = new TestClient(gw.url);
  const page = await client.request(`${P}/login`);
  const html = await page.text();
  client.csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const login = await client.postForm(`${P}/login`, { email: 'alice@example.com', password: PASSWORD, rd: '/' });
  return { login, page, client };
}

describe.each([['http', () => plain, false], ['https', () => secure, true]] as const)('public URL over %s (SECURITY S2)', (_scheme, gateway, https) => {
  it(`session and CSRF cookies: HttpOnly, SameSite=Lax, Path=/${https ? ', Secure' : ', not Secure'}`, async () => {
    const { login, page } = await signInResponse(gateway());
    expect(login.status).toBe(303);
    for (const [res, name] of [[login, 'recourse_session'], [page, 'recourse_session_csrf']] as const) {
      const attributes = cookieLine(res, name);
      expect(attributes, name).toBeDefined();
      expect(attributes!.has('httponly'), name).toBe(true);
      expect(attributes!.get('samesite')?.toLowerCase(), name).toBe('lax');
      expect(attributes!.get('path'), name).toBe('/');
      expect(attributes!.has('secure'), name).toBe(https);
      expect(attributes!.has('domain'), name).toBe(false);
    }
  });

  it('the session cookie lives at most 12 hours, and a step up does not extend it', async () => {
    const { login, client } = await signInResponse(gateway());
    const maxAge = Number(cookieLine(login, 'recourse_session')!.get('max-age'));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(12 * 3600);
    clock.advance(20 * 60_000);
    const view = await gateway().running.sessions.resolve(client.cookies.get('recourse_session'));
    await stepUpClient(gateway(), client);
    const stepped = await gateway().running.sessions.resolve(client.cookies.get('recourse_session'));
    expect(stepped!.expiresAt.getTime()).toBe(view!.expiresAt.getTime());
  });

  it('logout clears the cookie with the same attributes, so the browser really drops it', async () => {
    const { client } = await signInResponse(gateway());
    await client.page(`${P}/login`);
    const out = await client.postForm(`${P}/logout`, {});
    const cleared = cookieLine(out, 'recourse_session');
    expect(cleared).toBeDefined();
    expect(cleared!.get('max-age') === '0' || /1970/.test(cleared!.get('expires') ?? '')).toBe(true);
    expect(cleared!.get('path')).toBe('/');
    expect(cleared!.has('secure')).toBe(https);
  });
});

describe('default lifetimes (SECURITY S2)', () => {
  it('are at most 30 minutes idle and 12 hours absolute', () => {
    expect(plain.config.session.idle_timeout).toBeLessThanOrEqual(30 * 60_000);
    expect(plain.config.session.max_age).toBeLessThanOrEqual(12 * HOUR_MS);
  });

  it('an idle session dies after 30 minutes; a busy one after 12 hours', async () => {
    const idle = (await signInResponse(plain)).client;
    clock.advance(29 * 60_000);
    expect((await idle.request(`${P}/account`)).status).toBe(200);
    clock.advance(30 * 60_000 + 1_000);
    expect((await idle.request(`${P}/account`)).status).toBe(302);

    const busy = (await signInResponse(plain)).client;
    for (let elapsed = 0; elapsed < 12 * HOUR_MS - 20 * 60_000; elapsed += 20 * 60_000) {
      clock.advance(20 * 60_000);
      expect((await busy.request(`${P}/account`)).status).toBe(200);
    }
    clock.advance(20 * 60_000);
    expect((await busy.request(`${P}/account`)).status).toBe(302);
  });
});
