import argon2 from 'argon2';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, signInEvents, users } from '../../db/schema/index.js';
import { openTestStorage } from '../support/storage.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startEchoUpstream } from '../support/upstream.js';
import { TestClient } from '../support/client.js';

const P = '/.recourse';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  // Regulation has tests of its own; here it must not ban 127.0.0.1 halfway through the file.
  gw = await startTestGateway({ storage, upstream: upstream.url, clock, policy: { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: 20, find_time: '2m', ban_time: '5m' } } } });
  await gw.addUser({ email: 'alice@example.com', password: 'correct horse battery', name: 'Alice' });
  await gw.addUser({ email: 'mallory@example.com', password: 'mallory password 1', name: 'Mallory' });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

describe('first factor', () => {
  it('an anonymous request is sent to the login page with rd, or gets 401 as JSON', async () => {
    const client = new TestClient(gw.url);
    const res = await client.request('/reports?q=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent(`${gw.url}/reports?q=1`)}`);
    const json = await client.request('/api/x', { headers: { accept: 'application/json' } });
    expect(json.status).toBe(401);
    expect((await json.json()).error.code).toBe('unauthenticated');
  });

  it('signs in, reaches the upstream with identity headers, and never forwards the session cookie', async () => {
    const client = new TestClient(gw.url);
    const res = await client.signIn('Alice@Example.com', 'correct horse battery', `${gw.url}/reports`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${gw.url}/reports`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('recourse_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    const page = await client.request('/reports', { headers: { 'remote-user': 'admin', 'remote-groups': 'super_admin', 'x-forwarded-user': 'admin' } });
    expect(page.status).toBe(200);
    const seen = upstream.last()!;
    expect(seen.headers['remote-email']).toBe('alice@example.com');
    expect(seen.headers['remote-name']).toBe('Alice');
    expect(seen.headers['remote-user']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.headers['remote-groups']).toBe('user');
    expect(seen.headers['x-forwarded-user']).toBeUndefined();
    expect(seen.headers.cookie ?? '').not.toContain('recourse_session');
  });

  it('refuses a wrong password and an unknown email with the same generic answer', async () => {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    const wrong = await client.postForm(`${P}/login`, { email: 'alice@example.com', password: 'nope nope nope', rd: '/' });
    const unknown = await client.postForm(`${P}/login`, { email: 'nobody@example.com', password: 'nope nope nope', rd: '/' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await wrong.text(), await unknown.text()];
    expect(a).toContain('Incorrect email or password.');
    expect(b.replace(/value="[^"]*"/g, '')).toBe(a.replace(/value="[^"]*"/g, ''));
    expect(client.cookies.has('recourse_session')).toBe(false);
  });

  it('replaces a hash made with an earlier release\'s settings at the next sign-in, and only with the right password', async () => {
    // Releases before 2026-12-02 stored argon2id at 19 MiB and two passes.
    const earlier = await argon2.hash('earlier settings pw', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const userId = await gw.addUser({ email: 'legacy@example.com', password: 'placeholder password' });
    await storage.db.update(users).set({ passwordHash: earlier }).where(eq(users.id, userId));
    const stored = async () => (await storage.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId)))[0]!.hash!;

    const wrong = new TestClient(gw.url);
    await wrong.page(`${P}/login`);
    expect((await wrong.postForm(`${P}/login`, { email: 'legacy@example.com', password: 'not the password', rd: '/' })).status).toBe(401);
    expect(await stored()).toBe(earlier);

    expect((await new TestClient(gw.url).signIn('legacy@example.com', 'earlier settings pw')).status).toBe(303);
    const replaced = await stored();
    expect(/^\$argon2id\$v=19\$([^$]+)\$/.exec(replaced)?.[1]?.split(',').sort()).toEqual(['m=7168', 'p=1', 't=5']);
    expect(await argon2.verify(replaced, 'earlier settings pw')).toBe(true);
    // The next sign-in verifies against the new hash and leaves it be.
    expect((await new TestClient(gw.url).signIn('legacy@example.com', 'earlier settings pw')).status).toBe(303);
    expect(await stored()).toBe(replaced);
  });

  it('never records a password typed into the email field', async () => {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    const res = await client.postForm(`${P}/login`, { email: 'my secret passphrase 77', password: 'whatever it is', rd: '/' });
    expect(res.status).toBe(401);
    const rows = await storage.db.select().from(auditLog);
    const events = await storage.db.select().from(signInEvents);
    expect(JSON.stringify(rows)).not.toContain('my secret passphrase 77');
    expect(JSON.stringify(events)).not.toContain('my secret passphrase 77');
  });

  it('logout revokes the session server-side: a replayed cookie is refused', async () => {
    const client = new TestClient(gw.url);
    await client.signIn('alice@example.com', 'correct horse battery');
    const stolen = client.cookieHeader();
    expect((await client.request('/')).status).toBe(200);
    await client.page(`${P}/login`);
    const out = await client.postForm(`${P}/logout`, {});
    expect(out.status).toBe(303);
    const replay = await fetch(`${gw.url}/`, { headers: { cookie: stolen }, redirect: 'manual' });
    expect(replay.status).toBe(302);
  });

  it('issues a new session id at sign-in and revokes the one the browser held', async () => {
    const client = new TestClient(gw.url);
    await client.signIn('alice@example.com', 'correct horse battery');
    const first = client.cookies.get('recourse_session');
    await client.signIn('mallory@example.com', 'mallory password 1');
    const second = client.cookies.get('recourse_session');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const old = await fetch(`${gw.url}/`, { headers: { cookie: `recourse_session=${first}` }, redirect: 'manual' });
    expect(old.status).toBe(302);
  });

  it('expires sessions after the idle timeout and the absolute lifetime (injected clock)', async () => {
    const client = new TestClient(gw.url);
    await client.signIn('alice@example.com', 'correct horse battery');
    clock.advance(29 * 60_000);
    expect((await client.request('/')).status).toBe(200);
    clock.advance(31 * 60_000);
    expect((await client.request('/')).status).toBe(302);

    const steady = new TestClient(gw.url);
    await steady.signIn('alice@example.com', 'correct horse battery');
    for (let hour = 0; hour < 12; hour++) {
      clock.advance(20 * 60_000);
      expect((await steady.request('/')).status).toBe(200);
      clock.advance(20 * 60_000);
      expect((await steady.request('/')).status).toBe(200);
      clock.advance(20 * 60_000);
      const res = await steady.request('/');
      if (hour === 11) expect(res.status).toBe(302);
      else expect(res.status).toBe(200);
    }
  });

  it.each([
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    'https://app@evil.example/',
    'javascript:alert(1)',
    'http://127.0.0.1.evil.example/',
  ])('rd=%s lands home', async (rd) => {
    const client = new TestClient(gw.url);
    const res = await client.signIn('alice@example.com', 'correct horse battery', rd);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('refuses a cross-site login POST and a POST without the CSRF token', async () => {
    const client = new TestClient(gw.url);
    await client.page(`${P}/login`);
    const cross = await client.postForm(`${P}/login`, { email: 'alice@example.com', password: 'correct horse battery' }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    const noToken = await client.request(`${P}/login`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url },
      body: new URLSearchParams({ email: 'alice@example.com', password: 'correct horse battery' }),
    });
    expect(noToken.status).toBe(403);
    expect(client.cookies.has('recourse_session')).toBe(false);
  });

  it('sends no-store and a CSP that forbids framing on auth pages', async () => {
    const res = await fetch(`${gw.url}${P}/login`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });
});
