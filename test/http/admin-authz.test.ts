/**
 * The authorization matrix of issue 7 (SECURITY D1–D3, R2): every dashboard route and API call ×
 * (anonymous, user, admin without data-protection, admin with it, admin with expert mode,
 * super_admin) → the expected status; then the object-level attacks: another account's request
 * or id, one's own account, an account that outranks, the sole super_admin, a revoked permission.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema/index.js';
import type { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { actionForm, anonymous, insertRequest, P, PASSWORD, signedIn } from './admin-support.js';

const PERSONAS = ['anonymous', 'user', 'admin', 'admin_dp', 'admin_expert', 'super_admin'] as const;
type Persona = (typeof PERSONAS)[number];

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};
const clients = {} as Record<Persona, TestClient>;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  const add = async (key: string, role: 'super_admin' | 'owner' | 'admin' | 'user', extra: { dataProtectionLevel?: number; expertMode?: boolean } = {}) => {
    ids[key] = await gw.addUser({ email: `${key}@example.com`, password: PASSWORD, name: key, role, ...extra });
  };
  await add('user', 'user');
  await add('admin', 'admin');
  await add('admin_dp', 'admin', { dataProtectionLevel: 1 });
  await add('admin_expert', 'admin', { dataProtectionLevel: 1, expertMode: true });
  await add('super_admin', 'super_admin');
  await add('owner', 'owner', { dataProtectionLevel: 1 });
  await add('target', 'user');
  await add('managed', 'admin');
  clients.anonymous = await anonymous(gw);
  for (const persona of PERSONAS.slice(1)) clients[persona] = await signedIn(gw, `${persona}@example.com`);
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const newRequest = () => insertRequest(storage, clock, { userId: ids.target!, email: 'target@example.com' });

interface Case {
  name: string;
  call: (client: TestClient) => Promise<Response>;
  expected: Record<Persona, number>;
}

const row = (...statuses: [number, number, number, number, number, number]): Record<Persona, number> =>
  Object.fromEntries(PERSONAS.map((p, i) => [p, statuses[i]!])) as Record<Persona, number>;

// Pages: anonymous → sign-in (302), user → 403; the rest by permission.
const page = (name: string, path: () => Promise<string> | string, expected: Record<Persona, number>): Case => ({
  name: `GET ${name}`, call: async (client) => client.request(await path()), expected,
});
const form = (name: string, path: () => Promise<string>, fields: Record<string, string>, expected: Record<Persona, number>): Case => ({
  name: `POST ${name}`, call: async (client) => client.postForm(await path(), fields), expected,
});
const api = (name: string, method: 'GET' | 'POST', path: () => Promise<string> | string, body: unknown, expected: Record<Persona, number>): Case => ({
  name: `${method} api ${name}`,
  call: async (client) => (method === 'GET' ? client.request(await path()) : client.postJson(await path(), body)),
  expected,
});

const requestPath = async (suffix = '') => `${P}/admin/requests/${await newRequest()}${suffix}`;
const apiRequestPath = async (suffix: string) => `${P}/api/v1/recovery-requests/${await newRequest()}${suffix}`;
const body = { reason: 'Identity verified by phone', details: 'Called back' };

const CASES: Case[] = [
  page('P/admin', () => `${P}/admin`, row(302, 403, 200, 200, 200, 200)),
  page('P/admin/requests', () => `${P}/admin/requests`, row(302, 403, 403, 200, 200, 200)),
  page('P/admin/requests/table', () => `${P}/admin/requests/table?status=all&type=all`, row(302, 403, 403, 200, 200, 200)),
  page('P/admin/requests/:reference', () => requestPath(), row(302, 403, 403, 200, 200, 200)),
  page('P/admin/users', () => `${P}/admin/users`, row(302, 403, 200, 200, 200, 200)),
  page('P/admin/users/:id', () => `${P}/admin/users/${ids.target}`, row(302, 403, 200, 200, 200, 200)),
  page('P/admin/audit', () => `${P}/admin/audit`, row(302, 403, 403, 200, 200, 200)),
  page('P/admin/audit.csv', () => `${P}/admin/audit.csv`, row(302, 403, 403, 200, 200, 200)),
  page('P/admin/backup-codes', () => `${P}/admin/backup-codes`, row(302, 403, 200, 200, 200, 200)),
  form('requests/:reference/generate-code', () => requestPath('/generate-code'), actionForm({ delivery: 'email' }), row(303, 403, 403, 403, 303, 303)),
  form('requests/:reference/send-recovery-code', () => requestPath('/send-recovery-code'), actionForm(), row(303, 403, 403, 403, 303, 303)),
  form('requests/:reference/send-access-email', () => requestPath('/send-access-email'), actionForm(), row(303, 403, 403, 303, 303, 303)),
  form('requests/:reference/reset-2fa', () => requestPath('/reset-2fa'), actionForm({ confirm: 'yes' }), row(303, 403, 403, 403, 403, 303)),
  form('requests/:reference/cancel', () => requestPath('/cancel'), actionForm(), row(303, 403, 403, 303, 303, 303)),
  form('users/:id/send-access-email', async () => `${P}/admin/users/${ids.target}/send-access-email`, actionForm(), row(303, 403, 403, 303, 303, 303)),
  form('users/:id/send-recovery-code', async () => `${P}/admin/users/${ids.target}/send-recovery-code`, actionForm(), row(303, 403, 403, 403, 303, 303)),
  form('users/:id/reset-2fa', async () => `${P}/admin/users/${ids.target}/reset-2fa`, actionForm({ confirm: 'yes' }), row(303, 403, 403, 403, 403, 303)),
  form('users/:id/permissions', async () => `${P}/admin/users/${ids.managed}/permissions`, { data_protection_level: '1', expert_mode: 'on' }, row(303, 403, 403, 403, 403, 303)),
  form('users/:id/access', async () => `${P}/admin/users/${ids.target}/access`, { role: 'user', type: 'user', groups: 'ops' }, row(303, 403, 403, 403, 403, 303)),
  page('P/admin/users/new', () => `${P}/admin/users/new`, row(302, 403, 403, 403, 403, 200)),
  form('users (add)', async () => `${P}/admin/users`, { email: `new-${Math.random().toString(36).slice(2)}@example.com` }, row(303, 403, 403, 403, 403, 303)),
  form('users/:id/disable', async () => `${P}/admin/users/${ids.target}/disable`, {}, row(303, 403, 403, 403, 403, 303)),
  form('users/:id/enable', async () => `${P}/admin/users/${ids.target}/enable`, {}, row(303, 403, 403, 403, 403, 303)),
  form('users/:id/end-sessions', async () => `${P}/admin/users/${ids.target}/end-sessions`, {}, row(303, 403, 403, 403, 403, 303)),
  api('recovery-requests', 'GET', () => `${P}/api/v1/recovery-requests`, null, row(401, 403, 403, 200, 200, 200)),
  api('recovery-requests/:reference/generate-code', 'POST', () => apiRequestPath('/generate-code'), { ...body, delivery: 'email' }, row(401, 403, 403, 403, 200, 200)),
  api('recovery-requests/:reference/cancel', 'POST', () => apiRequestPath('/cancel'), { reason: body.reason }, row(401, 403, 403, 200, 200, 200)),
  api('users/:id/send-access-email', 'POST', () => `${P}/api/v1/users/${ids.target}/send-access-email`, body, row(401, 403, 403, 200, 200, 200)),
  api('users/:id/send-recovery-code', 'POST', () => `${P}/api/v1/users/${ids.target}/send-recovery-code`, body, row(401, 403, 403, 403, 200, 200)),
  api('users/:id/reset-2fa', 'POST', () => `${P}/api/v1/users/${ids.target}/reset-2fa`, body, row(401, 403, 403, 403, 403, 200)),
  api('audit-logs', 'GET', () => `${P}/api/v1/audit-logs`, null, row(401, 403, 403, 200, 200, 200)),
  api('backup-codes/stats', 'GET', () => `${P}/api/v1/backup-codes/stats`, null, row(401, 403, 200, 200, 200, 200)),
];

describe('the authorization matrix', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const got: Record<string, number> = {};
    for (const persona of PERSONAS) {
      const res = await testCase.call(clients[persona]);
      got[persona] = res.status;
      if (persona === 'anonymous' && (res.status === 302 || res.status === 303)) {
        expect(res.headers.get('location')).toMatch(new RegExp(`^${P}/login\\?rd=`));
      }
      await res.body?.cancel();
    }
    expect(got).toEqual(testCase.expected);
  });

  it('answers the API with {error: {code, message}}', async () => {
    const anon = await clients.anonymous.request(`${P}/api/v1/recovery-requests`);
    expect(await anon.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
    const user = await clients.user.request(`${P}/api/v1/recovery-requests`);
    expect((await user.json()).error.code).toBe('forbidden');
  });
});

describe('object-level checks', () => {
  it('nobody acts on their own account, through a request or directly', async () => {
    const own = await insertRequest(storage, clock, { userId: ids.admin_expert!, email: 'admin_expert@example.com' });
    const client = clients.admin_expert;
    const page = await client.postForm(`${P}/admin/requests/${own}/generate-code`, actionForm({ delivery: 'email' }));
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('Nobody acts on their own account');
    const viaApi = await client.postJson(`${P}/api/v1/recovery-requests/${own}/generate-code`, { ...body, delivery: 'email' });
    expect(viaApi.status).toBe(403);
    expect((await viaApi.json()).error.code).toBe('forbidden');
    expect((await client.postJson(`${P}/api/v1/users/${ids.admin_expert}/send-access-email`, body)).status).toBe(403);
    expect((await clients.super_admin.postJson(`${P}/api/v1/users/${ids.super_admin}/reset-2fa`, body)).status).toBe(403);
    expect((await clients.super_admin.postForm(`${P}/admin/users/${ids.super_admin}/permissions`, { data_protection_level: '0' })).status).toBe(403);
  });

  it('a user who knows the reference of their own request cannot open or act on it', async () => {
    const mine = await insertRequest(storage, clock, { userId: ids.user!, email: 'user@example.com' });
    expect((await clients.user.request(`${P}/admin/requests/${mine}`)).status).toBe(403);
    expect((await clients.user.postForm(`${P}/admin/requests/${mine}/cancel`, actionForm())).status).toBe(403);
    expect((await clients.user.postJson(`${P}/api/v1/recovery-requests/${mine}/generate-code`, body)).status).toBe(403);
    expect((await clients.user.postJson(`${P}/api/v1/users/${ids.target}/send-access-email`, body)).status).toBe(403);
  });

  it('unknown references and ids are 404 for those who may look, 403 for those who may not', async () => {
    expect((await clients.admin_dp.request(`${P}/admin/requests/AR-0000-0000`)).status).toBe(404);
    expect((await clients.admin.request(`${P}/admin/requests/AR-0000-0000`)).status).toBe(403);
    const api = await clients.admin_expert.postJson(`${P}/api/v1/recovery-requests/AR-0000-0000/generate-code`, body);
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('not_found');
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect((await clients.admin_dp.postJson(`${P}/api/v1/users/${nobody}/send-access-email`, body)).status).toBe(404);
    expect((await clients.admin.postJson(`${P}/api/v1/users/${nobody}/send-access-email`, body)).status).toBe(403);
    expect((await clients.admin_dp.request(`${P}/admin/users/${nobody}`)).status).toBe(404);
  });

  it('an administrator cannot act on an account that outranks theirs', async () => {
    const res = await clients.admin_expert.postJson(`${P}/api/v1/users/${ids.owner}/send-recovery-code`, body);
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain('higher role');
  });

  it('the sole super_admin cannot be reset from the dashboard, and every admin page warns about it', async () => {
    const owner = await signedIn(gw, 'owner@example.com');
    const res = await owner.postForm(`${P}/admin/users/${ids.super_admin}/reset-2fa`, actionForm({ confirm: 'yes' }));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('only super administrator');
    for (const path of ['/admin', '/admin/users', '/admin/requests']) {
      expect((await clients.super_admin.page(`${P}${path}`)).html).toContain('id="sole-super-admin"');
    }
    // With a second one, the warning goes and a reset by the other super_admin is allowed.
    const second = await gw.addUser({ email: 'second@example.com', password: PASSWORD, role: 'super_admin' });
    expect((await clients.super_admin.page(`${P}/admin`)).html).not.toContain('id="sole-super-admin"');
    expect((await clients.super_admin.postJson(`${P}/api/v1/users/${second}/reset-2fa`, body)).status).toBe(200);
    await storage.db.update(users).set({ active: false }).where(eq(users.id, second));
  });

  it('a revoked permission takes effect on the next request, for sessions and pages alike', async () => {
    const client = clients.admin_dp;
    expect((await client.request(`${P}/admin/requests`)).status).toBe(200);
    await storage.db.update(users).set({ dataProtectionLevel: 0 }).where(eq(users.id, ids.admin_dp!));
    expect((await client.request(`${P}/admin/requests`)).status).toBe(403);
    expect((await client.request(`${P}/api/v1/recovery-requests`)).status).toBe(403);
    await storage.db.update(users).set({ role: 'user', dataProtectionLevel: 1 }).where(eq(users.id, ids.admin_dp!));
    expect((await client.request(`${P}/admin`)).status).toBe(403);
    await storage.db.update(users).set({ role: 'admin' }).where(eq(users.id, ids.admin_dp!));
    expect((await client.request(`${P}/admin/requests`)).status).toBe(200);
  });

  it('an administrator without their second factor is sent to it; a recovery session to enrolment', async () => {
    const halfway = await signedIn(gw, 'admin_dp@example.com', { stepUp: false });
    const res = await halfway.request(`${P}/admin/requests`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/admin/requests`)}`);
    expect((await halfway.request(`${P}/api/v1/recovery-requests`)).status).toBe(401);
    const { stepUpClient } = await import('../support/step-up.js');
    await stepUpClient(gw, halfway, { restricted: true });
    const restricted = await halfway.request(`${P}/admin`);
    expect(restricted.status).toBe(302);
    expect(restricted.headers.get('location')).toMatch(new RegExp(`^${P}/enroll`));
    expect((await halfway.request(`${P}/api/v1/audit-logs`)).status).toBe(401);
  });
});
