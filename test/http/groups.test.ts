/**
 * Named groups end to end (CONTRACT §8.2): an access rule on `groups` lets members through and
 * refuses everyone else, the groups header carries them beside role and type, and an owner's
 * change on the dashboard (CSRF, audited, never on their own account) takes effect on the next
 * request.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupsOfUser, setUserGroups } from '../../db/queries/user-groups.js';
import { auditLog } from '../../db/schema/index.js';
import type { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { P, signedIn } from './admin-support.js';

let stack: ProxiedTestGateway;
const ids: Record<string, string> = {};
let owner: TestClient;

beforeAll(async () => {
  stack = await startProxiedTestGateway({
    policy: { access: { default: 'deny', rules: [{ groups: ['ops', 'Domain Admins'], policy: 'one_factor' }] } },
  });
  const { gw } = stack;
  const add = async (key: string, role: 'owner' | 'admin' | 'user', type: 'user' | 'employee' = 'user') => {
    ids[key] = await gw.addUser({ email: `${key}@example.com`, password: 'correct horse battery', name: key, role, type });
  };
  await add('member', 'user', 'employee');
  await add('outsider', 'user');
  await add('owner', 'owner');
  await add('admin', 'admin');
  await setUserGroups(stack.storage.db, ids.member!, ['Domain Admins', 'ops']);
  owner = await signedIn(gw, 'owner@example.com');
});
afterAll(async () => {
  await stack?.close();
});

const groupsHeader = () => stack.upstream.last()?.headers['remote-groups'];

describe('an access rule on groups', () => {
  it('lets a member through, with the groups after role and type in Remote-Groups', async () => {
    const member = await signedIn(stack.gw, 'member@example.com', { stepUp: false });
    const res = await member.request('/dashboards');
    expect(res.status).toBe(200);
    expect(groupsHeader()).toBe('user,employee,Domain Admins,ops');
  });

  it('refuses a signed-in user in none of the groups', async () => {
    const outsider = await signedIn(stack.gw, 'outsider@example.com', { stepUp: false });
    const seen = stack.upstream.seen.length;
    expect((await outsider.request('/dashboards')).status).toBe(403);
    expect(stack.upstream.seen.length).toBe(seen);
  });
});

describe('groups on the dashboard', () => {
  // Groups are saved with role and type in one form (CONTRACT §8.4 `P/admin/users/{id}/access`).
  const groupsPath = () => `${P}/admin/users/${ids.outsider}/access`;
  const form = (groups: string) => ({ role: 'user', type: 'user', groups });

  it('shows the form to an owner, not to an admin', async () => {
    const page = await owner.page(`${P}/admin/users/${ids.outsider}`);
    expect(page.html).toContain('id="groups-list"');
    const admin = await signedIn(stack.gw, 'admin@example.com');
    expect((await admin.page(`${P}/admin/users/${ids.outsider}`)).html).not.toContain('id="groups-list"');
    const refused = await admin.postForm(groupsPath(), form('ops'));
    expect(refused.status).toBe(403);
    expect(await groupsOfUser(stack.storage.db, ids.outsider!)).toEqual([]);
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await owner.request(groupsPath(), {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: owner.base }, body: new URLSearchParams(form('ops')),
    });
    expect(res.status).toBe(403);
    expect(await groupsOfUser(stack.storage.db, ids.outsider!)).toEqual([]);
  });

  it('refuses an invalid name with the rule, and changes nothing', async () => {
    await owner.page(`${P}/admin/users/${ids.outsider}`);
    const res = await owner.postForm(groupsPath(), form('ops, bad*name'));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid group name &quot;bad*name&quot;');
    expect(await groupsOfUser(stack.storage.db, ids.outsider!)).toEqual([]);
  });

  it('never lets an owner change their own groups', async () => {
    const res = await owner.postForm(`${P}/admin/users/${ids.owner}/access`, { role: 'owner', type: 'user', groups: 'ops' });
    expect(res.status).toBe(403);
    expect(await groupsOfUser(stack.storage.db, ids.owner!)).toEqual([]);
  });

  it('saves, audits user.updated with what changed, and the next request is judged on the new groups', async () => {
    const outsider = await signedIn(stack.gw, 'outsider@example.com', { stepUp: false });
    expect((await outsider.request('/')).status).toBe(403);
    await owner.page(`${P}/admin/users/${ids.outsider}`);
    const res = await owner.postForm(groupsPath(), form('ops, readers'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/admin/users/${ids.outsider}?notice=access`);
    expect(await groupsOfUser(stack.storage.db, ids.outsider!)).toEqual(['ops', 'readers']);
    const [row] = await stack.storage.db.select().from(auditLog)
      .where(and(eq(auditLog.event, 'user.updated'), eq(auditLog.userId, ids.outsider!)));
    expect(row).toMatchObject({ actorId: ids.owner, details: { groups: { added: ['ops', 'readers'], removed: [] } } });

    expect((await outsider.request('/')).status).toBe(200);
    expect(groupsHeader()).toBe('user,ops,readers');

    // Taken away again: refused on the next request.
    await owner.page(`${P}/admin/users/${ids.outsider}`);
    expect((await owner.postForm(groupsPath(), form('readers'))).status).toBe(303);
    expect((await outsider.request('/')).status).toBe(403);
  });
});
