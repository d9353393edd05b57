/**
 * Attack: super_admins demote or disable each other at the same moment (a compromised session, or
 * two administrators at odds), each request judged on a count read before the others commit, so
 * that every one succeeds and no super_admin is left (SECURITY D3: the sole super_admin is never
 * demoted or disabled from the dashboard). The active super_admins are locked before the count is
 * read and the actor is read again under that lock: however many post at once, on two instances,
 * at least one super_admin remains.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '../../db/schema/index.js';
import type { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage, usingPostgres } from '../support/storage.js';
import { P, PASSWORD, signedIn } from '../http/admin-support.js';

const ADMINS = 8;
let storage: Awaited<ReturnType<typeof openTestStorage>>;
const gateways: TestGateway[] = [];
const ids: string[] = [];

beforeAll(async () => {
  storage = await openTestStorage();
  gateways.push(await startTestGateway({ storage }), await startTestGateway({ storage }));
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await storage?.close();
});

async function superAdmins(round: string): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  ids.length = 0;
  for (let i = 0; i < ADMINS; i++) {
    const gw = gateways[i % gateways.length]!;
    ids.push(await gw.addUser({ email: `${round}-${i}@example.com`, password: PASSWORD, role: 'super_admin' }));
  }
  for (let i = 0; i < ADMINS; i++) {
    const client = await signedIn(gateways[i % gateways.length]!, `${round}-${i}@example.com`);
    // Each holds the CSRF token of the page of the one it will act on.
    await client.page(`${P}/admin/users/${ids[(i + 1) % ADMINS]}`);
    clients.push(client);
  }
  return clients;
}

const activeSuperAdmins = async () => (await storage.db.select().from(users).where(and(eq(users.role, 'super_admin'), eq(users.active, true)))).length;

describe(`${ADMINS} super_admins acting on each other at once (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it.each([
    ['disable each other', 'disable', {}],
    ['demote each other', 'access', { role: 'owner', type: 'user', groups: '' }],
  ] as const)('%s: at least one super_admin is left', async (_name, action, fields) => {
    // Every earlier round's survivor is retired first, so each round starts from ADMINS super_admins.
    await storage.db.update(users).set({ active: false }).where(eq(users.role, 'super_admin'));
    const clients = await superAdmins(action);
    expect(await activeSuperAdmins()).toBe(ADMINS);
    const answers = await Promise.all(clients.map((client, i) => client.postForm(`${P}/admin/users/${ids[(i + 1) % ADMINS]}/${action}`, fields)));
    for (const res of answers) await res.body?.cancel();
    // Done, refused, or (a disabled actor's own session having ended meanwhile) sent to sign in.
    const outcome = (res: Response) => (res.status === 303 && /\?notice=/.test(res.headers.get('location') ?? '') ? 'done'
      : res.status === 403 ? 'refused' : res.status === 303 && (res.headers.get('location') ?? '').startsWith(`${P}/login`) ? 'signed_out' : `unexpected ${res.status}`);
    const outcomes = answers.map(outcome);
    expect(outcomes.filter((o) => !['done', 'refused', 'signed_out'].includes(o))).toEqual([]);
    expect(await activeSuperAdmins()).toBeGreaterThanOrEqual(1);
    // Each success is one audited change; a refusal wrote nothing.
    const done = outcomes.filter((o) => o === 'done').length;
    const event = action === 'disable' ? 'user.disabled' : 'user.updated';
    const rows = await storage.db.select().from(auditLog).where(eq(auditLog.event, event));
    expect(rows.filter((row) => ids.includes(row.userId ?? ''))).toHaveLength(done);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(ADMINS);
  });
});
