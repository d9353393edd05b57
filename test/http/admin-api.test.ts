/**
 * `P/api/v1` (CONTRACT §5): API tokens acting with their user's CURRENT permissions, session calls
 * under CSRF, the exact answer shapes, cursor pagination and the error format.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiToken, revokeApiToken } from '../../db/queries/api-tokens.js';
import { assistanceRequests, users } from '../../db/schema/index.js';
import { newApiToken } from '../../gateway/auth/api-token.js';
import { recordAudit } from '../../gateway/audit/write.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { insertRequest, P, PASSWORD, REASON, signedIn } from './admin-support.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function tokenFor(name: string, userId: string): Promise<string> {
  const { token, tokenHash } = newApiToken();
  await insertApiToken(storage.db, { name, userId, tokenHash, now: clock.now() });
  return token;
}

function bearer(token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  return (path: string) => fetch(`${gw.url}${P}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    redirect: 'manual',
  });
}

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  ids.expert = await gw.addUser({ email: 'expert@example.com', password: PASSWORD, role: 'admin', dataProtectionLevel: 1, expertMode: true });
  ids.reader = await gw.addUser({ email: 'reader@example.com', password: PASSWORD, role: 'admin', dataProtectionLevel: 1 });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  ids.carol = await gw.addUser({ email: 'carol@example.com', password: PASSWORD, name: 'Carol', type: 'employee', role: 'user' });
  ids.plain = await gw.addUser({ email: 'plain@example.com', password: PASSWORD });
  tokens.reader = await tokenFor('reader-token', ids.reader);
  tokens.expert = await tokenFor('expert-token', ids.expert);
  tokens.root = await tokenFor('root-token', ids.root);
  tokens.plain = await tokenFor('plain-token', ids.plain);
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('credentials', () => {
  it('a bearer token needs no CSRF token; a missing, malformed, unknown or revoked one is 401', async () => {
    expect((await bearer(tokens.reader!)('/recovery-requests')).status).toBe(200);
    expect((await fetch(`${gw.url}${P}/api/v1/recovery-requests`)).status).toBe(401);
    for (const header of ['Bearer', 'Basic abc', `Bearer ${tokens.reader}x`, 'Bearer rcs_nope']) {
      const res = await fetch(`${gw.url}${P}/api/v1/recovery-requests`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('unauthenticated');
    }
    const doomed = await tokenFor('doomed', ids.reader!);
    expect((await bearer(doomed)('/audit-logs')).status).toBe(200);
    await revokeApiToken(storage.db, 'doomed', clock.now());
    expect((await bearer(doomed)('/audit-logs')).status).toBe(401);
  });

  it('a token acts with its user\'s CURRENT permissions: a change bites on the next request', async () => {
    expect((await bearer(tokens.plain!)('/recovery-requests')).status).toBe(403);
    expect((await bearer(tokens.reader!)('/recovery-requests')).status).toBe(200);
    await storage.db.update(users).set({ dataProtectionLevel: 0 }).where(eq(users.id, ids.reader!));
    const refused = await bearer(tokens.reader!)('/recovery-requests');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('forbidden');
    await storage.db.update(users).set({ active: false, dataProtectionLevel: 1 }).where(eq(users.id, ids.reader!));
    expect((await bearer(tokens.reader!)('/recovery-requests')).status).toBe(401);
    await storage.db.update(users).set({ active: true }).where(eq(users.id, ids.reader!));
    expect((await bearer(tokens.reader!)('/recovery-requests')).status).toBe(200);
  });

  it('a call with an Authorization header is judged by it alone, never by a cookie riding along', async () => {
    const session = await signedIn(gw, 'root@example.com');
    const res = await session.request(`${P}/api/v1/recovery-requests`, { headers: { authorization: 'Bearer rcs_forged' } });
    expect(res.status).toBe(401);
  });

  it('a session call must carry the CSRF token', async () => {
    const root = await signedIn(gw, 'root@example.com');
    const reference = await insertRequest(storage, clock, { userId: ids.carol!, email: 'carol@example.com' });
    const without = await root.request(`${P}/api/v1/recovery-requests/${reference}/cancel`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: gw.url }, body: JSON.stringify({ reason: REASON }),
    });
    expect(without.status).toBe(403);
    const withToken = await root.postJson(`${P}/api/v1/recovery-requests/${reference}/cancel`, { reason: REASON });
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ reference, status: 'cancelled' });
  });

  it('issuing a recovery code needs a fresh second factor: a token is refused with token_not_allowed', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.carol!, email: 'carol@example.com' });
    const res = await bearer(tokens.expert!, { method: 'POST', body: { delivery: 'email', reason: REASON } })(`/recovery-requests/${reference}/generate-code`);
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('token_not_allowed');
    const session = await signedIn(gw, 'expert@example.com');
    // On Behalf Of names a user (issue 28): free text that matches nobody is refused.
    const unnamed = await session.postJson(`${P}/api/v1/recovery-requests/${reference}/generate-code`, { delivery: 'email', reason: REASON, on_behalf_of: 'HR' });
    expect(unnamed.status).toBe(400);
    expect((await unnamed.json()).error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('On behalf of') });
    const ok = await session.postJson(`${P}/api/v1/recovery-requests/${reference}/generate-code`, { delivery: 'email', reason: REASON, details: 'verified', on_behalf_of: ids.root });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ reference, status: 'approved', delivery: 'pending', channel: 'email', expires_at: '2026-03-01T10:00:00.000Z' });
    // Tokens may do what needs no fresh factor.
    const access = await bearer(tokens.expert!, { method: 'POST', body: { reason: REASON } })(`/users/${ids.carol}/send-access-email`);
    expect(access.status).toBe(200);
    expect(await access.json()).toEqual({ user: ids.carol, delivery: 'email', expires_at: '2026-03-01T10:00:00.000Z' });
  });
});

describe('GET recovery-requests', () => {
  it('answers the CONTRACT shape, newest first, with next_cursor pages and filters', async () => {
    await storage.db.delete(assistanceRequests);
    const made: string[] = [];
    for (let i = 0; i < 53; i++) {
      made.push(await insertRequest(storage, clock, { userId: i % 2 ? ids.carol! : null, email: i % 2 ? 'carol@example.com' : `x${i}@example.com`, at: new Date(clock.nowMs() - i * 60_000) }));
    }
    const first = await (await bearer(tokens.root!)('/recovery-requests')).json();
    expect(first.items).toHaveLength(50);
    expect(first.items[1]).toEqual({
      reference: made[1], type: 'employee', requester: { name: 'Carol', email: 'carol@example.com', ip: '198.51.100.7', location: 'unknown' },
      role: 'user', requested_at: new Date(clock.nowMs() - 60_000).toISOString(), status: 'pending', delivery: 'pending',
    });
    expect(first.items[0]).toMatchObject({ reference: made[0], type: null, role: null, requester: { name: null, email: 'x0@example.com' } });
    expect(typeof first.next_cursor).toBe('string');
    const second = await (await bearer(tokens.root!)(`/recovery-requests?cursor=${first.next_cursor}`)).json();
    expect(second.next_cursor).toBeNull();
    expect([...first.items, ...second.items].map((item: { reference: string }) => item.reference)).toEqual(made);

    const employees = await (await bearer(tokens.root!)('/recovery-requests?type=employee&status=pending')).json();
    expect(employees.items.map((item: { reference: string }) => item.reference)).toEqual(made.filter((_, i) => i % 2));
    const none = await (await bearer(tokens.root!)('/recovery-requests?status=completed')).json();
    expect(none).toEqual({ items: [], next_cursor: null });
    for (const bad of ['status=open', 'type=robot', 'cursor=%21%21']) {
      const res = await bearer(tokens.root!)(`/recovery-requests?${bad}`);
      expect(res.status).toBe(400);
      expect((await res.json()).error.code).toBe('invalid_parameter');
    }
  });

  it('actions answer 404 for an unknown object and 400 for a body that is not an object', async () => {
    const post = (path: string, body: unknown) => bearer(tokens.root!, { method: 'POST', body })(path);
    expect((await post('/recovery-requests/AR-ZZZZ-ZZZZ/cancel', { reason: REASON })).status).toBe(404);
    // Resetting 2FA is for a session with a fresh second factor, never a token (CONTRACT §8.4).
    const root = await signedIn(gw, 'root@example.com');
    expect((await root.postJson(`${P}/api/v1/users/${ids.expert}/reset-2fa`, [REASON])).status).toBe(400);
    const reset = await root.postJson(`${P}/api/v1/users/${ids.carol}/reset-2fa`, { reason: REASON });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ user: ids.carol, removed: { totp: 0, keys: 0, codes: 0 } });
  });
});

describe('GET audit-logs', () => {
  it('answers {id, at, event, actor, user, ip, location, reason, details} with actors as {id, email}, "cli" or "system"', async () => {
    await recordAudit(storage.db, TEST_SECRET, { event: 'user.created', at: clock.now(), actor: 'cli', userId: ids.carol!, details: { via: 'test' } });
    await recordAudit(storage.db, TEST_SECRET, { event: 'delivery.failed', at: clock.now(), actor: 'system', userId: null });
    const all = await (await bearer(tokens.root!)('/audit-logs')).json();
    const [system, cli] = all.items;
    expect(system).toEqual({ id: expect.any(Number), at: '2026-03-01T09:00:00.000Z', event: 'delivery.failed', actor: 'system', user: null, ip: null, location: null, reason: null, details: {} });
    expect(cli).toMatchObject({ event: 'user.created', actor: 'cli', user: { id: ids.carol, email: 'carol@example.com' }, details: { via: 'test' } });
    const byAdmin = all.items.find((item: { event: string }) => item.event === 'second_factor.reset');
    expect(byAdmin).toMatchObject({ actor: { id: ids.root, email: 'root@example.com' }, user: { id: ids.carol, email: 'carol@example.com' }, reason: REASON });
    expect(Object.keys(byAdmin).sort()).toEqual(['actor', 'at', 'details', 'event', 'id', 'ip', 'location', 'reason', 'user']);
  });

  it('filters by event, by user and actor given as id or email, by since, and pages by cursor', async () => {
    const get = async (query: string) => (await bearer(tokens.root!)(`/audit-logs?${query}`)).json();
    const byEmail = await get('user=carol@example.com');
    const byId = await get(`user=${ids.carol}`);
    expect(byEmail.items.length).toBeGreaterThan(1);
    expect(byEmail).toEqual(byId);
    expect(byEmail.items.every((item: { user: { id: string } }) => item.user.id === ids.carol)).toBe(true);
    const byActor = await get('actor=root@example.com');
    expect(byActor.items.every((item: { actor: { id: string } }) => item.actor.id === ids.root)).toBe(true);
    expect((await get('actor=cli')).items.map((item: { event: string }) => item.event)).toEqual(['user.created']);
    expect(await get('user=nobody@example.com')).toEqual({ items: [], next_cursor: null });
    expect((await get('event=second_factor.reset')).items.every((item: { event: string }) => item.event === 'second_factor.reset')).toBe(true);
    expect(await get('since=2026-03-02T00:00:00Z')).toEqual({ items: [], next_cursor: null });
    for (let i = 0; i < 55; i++) await recordAudit(storage.db, TEST_SECRET, { event: 'logout', at: clock.now(), actor: { userId: ids.plain! }, userId: ids.plain! });
    const first = await get('event=logout');
    expect(first.items).toHaveLength(50);
    const second = await get(`event=logout&cursor=${first.next_cursor}`);
    expect(second.items).toHaveLength(5);
    expect(second.next_cursor).toBeNull();
    expect(first.items.at(-1).id).toBeGreaterThan(second.items[0].id);
    for (const bad of ['event=made.up', 'since=yesterday', 'cursor=abc']) expect((await bearer(tokens.root!)(`/audit-logs?${bad}`)).status).toBe(400);
  });
});
