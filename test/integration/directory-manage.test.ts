/**
 * The dashboard under `directory.kind: ldap` (issue 27 items 5 and 6, docs/directory.md): people
 * are added in the directory, not here; a directory user's email, name, role, type and groups are
 * shown as the directory's and not offered for editing; disabling one here is an emergency stop
 * that ends their sessions and that neither a refresh nor a sign-in with their directory password
 * undoes, until an administrator enables them here again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../db/queries/users.js';
import { auditLog, users } from '../../db/schema/index.js';
import { P, PASSWORD, signedIn } from '../http/admin-support.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';

if (!hasSlapd) console.warn(`skipping directory management tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('managing directory users on the dashboard', () => {
  let slapd: RunningSlapd;
  let fixture: ProxiedTestGateway;
  let dir: string;
  let owner: TestClient;
  let aliceId: string;
  const gw = () => fixture.gw;
  const db = () => fixture.storage.db;
  const alicePath = () => `${P}/admin/users/${aliceId}`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-manage-'));
    slapd = await startSlapd();
    fixture = await startProxiedTestGateway({
      policy: { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: 1000, per_ip_max_retries: 1000, per_account_max_retries: 1000 } } },
      config: directoryConfig(slapd, dir, { role_groups: { admin: ['admins'] } }),
    });
    await gw().running.directoryRefresh!.refreshNow();
    // A local account (the break-glass owner) signs in with its local password under ldap too.
    await gw().addUser({ email: 'owner@example.com', password: PASSWORD, role: 'owner' });
    owner = await signedIn(gw(), 'owner@example.com');
    expect((await new TestClient(gw().url).signIn('alice', 'alice-password-1')).status).toBe(303);
    aliceId = (await findUserByEmail(db(), 'alice@example.org'))!.id;
  });
  afterAll(async () => {
    await fixture?.close();
    await slapd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds nobody here: people are added in the directory', async () => {
    expect((await owner.page(`${P}/admin/users`)).html).not.toContain('id="add-user"');
    const page = await owner.page(`${P}/admin/users/new`);
    expect(page.res.status).toBe(409);
    expect(page.html).toContain('add them there');
    expect(page.html).not.toContain('id="new-user"');
    const res = await owner.postForm(`${P}/admin/users`, { email: 'local@example.com', role: 'user', type: 'user' });
    expect(res.status).toBe(409);
    expect(await findUserByEmail(db(), 'local@example.com')).toBeUndefined();
  });

  it('shows a directory user\'s identity as the directory\'s and refuses to change it', async () => {
    const page = await owner.page(alicePath());
    expect(page.html).toContain('id="directory-owned"');
    expect(page.html).not.toContain('id="access"');
    expect(page.html).toContain('id="account-state"');
    const res = await owner.postForm(`${alicePath()}/access`, { role: 'user', type: 'user', groups: '' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('comes from the organisation&#39;s directory');
    expect(await findUserByEmail(db(), 'alice@example.org')).toMatchObject({ role: 'admin' });
    expect((await owner.postForm(`${alicePath()}/invite`, {})).status).toBe(403);
  });

  it('disabling here is an emergency stop that a refresh and the directory password do not undo', async () => {
    const alice = new TestClient(gw().url);
    expect((await alice.signIn('alice', 'alice-password-1', '/')).status).toBe(303);
    expect((await alice.request('/')).status).toBe(200);
    await owner.page(alicePath());
    expect((await owner.postForm(`${alicePath()}/disable`, {})).status).toBe(303);
    expect((await alice.request('/')).status).toBe(302);

    await gw().running.directoryRefresh!.refreshNow();
    expect(await findUserByEmail(db(), 'alice@example.org')).toMatchObject({ active: false, disabledByAdmin: true });
    expect((await new TestClient(gw().url).signIn('alice', 'alice-password-1')).status).toBe(401);
    expect(await findUserByEmail(db(), 'alice@example.org')).toMatchObject({ active: false, disabledByAdmin: true });

    await owner.page(alicePath());
    expect((await owner.postForm(`${alicePath()}/enable`, {})).status).toBe(303);
    expect((await new TestClient(gw().url).signIn('alice', 'alice-password-1')).status).toBe(303);
    const [enabled] = await db().select().from(auditLog).where(and(eq(auditLog.event, 'user.enabled'), eq(auditLog.userId, aliceId)));
    expect(enabled).toMatchObject({ actorId: (await findUserByEmail(db(), 'owner@example.com'))!.id });
  });

  it('does not enable here whom the directory disabled', async () => {
    // As a refresh leaves a user the directory disabled: inactive, not held by an administrator.
    await db().update(users).set({ active: false, disabledByAdmin: false }).where(eq(users.id, aliceId));
    const page = await owner.page(alicePath());
    expect(page.html).toContain('Disabled in the organisation&#39;s directory.');
    expect(page.html).not.toContain('id="enable"');
    const res = await owner.postForm(`${alicePath()}/enable`, {});
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('enable it there');
    // The directory has her active: the next refresh brings her back.
    await gw().running.directoryRefresh!.refreshNow();
    expect(await findUserByEmail(db(), 'alice@example.org')).toMatchObject({ active: true });
  });
});
