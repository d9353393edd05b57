/**
 * Sign-in against a real OpenLDAP (issue 27): by email and by username, a wrong password, a locked
 * account, what was typed kept a value (RFC 4515), groups → role and type, a rename keeping the
 * user's factors, and refresh disabling users and ending their sessions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByDirectoryId } from '../../db/queries/directory-users.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { auditLog, totpFactors } from '../../db/schema/index.js';
import { seedTotp } from '../http/totp-support.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd, REPORTS_GROUP_POLICY } from '../support/slapd.js';

const P = '/.recourse';
if (!hasSlapd) console.warn(`skipping directory sign-in tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('sign-in through an OpenLDAP directory', () => {
  let slapd: RunningSlapd;
  let fixture: ProxiedTestGateway;
  let dir: string;
  const gw = () => fixture.gw;
  const db = () => fixture.storage.db;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
    fixture = await startProxiedTestGateway({
      policy: REPORTS_GROUP_POLICY,
      config: directoryConfig(slapd, dir, {
        role_groups: { admin: ['admins'] },
        type_groups: { employee: ['cn=Staff, ou=groups, dc=example, dc=org'] },
      }),
    });
    // Whatever start-up's first refresh does is done before the tests look.
    await gw().running.directoryRefresh!.refreshNow();
  });
  afterAll(async () => {
    await fixture?.close();
    await slapd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function lastFailure(): Promise<Record<string, unknown>> {
    const [row] = await db().select().from(auditLog).where(eq(auditLog.event, 'login.failed')).orderBy(auditLog.id).then((rows) => rows.slice(-1));
    return row!.details as Record<string, unknown>;
  }

  it('signs in by email, creating the local row linked to entryUUID with role, type and phone from the directory', async () => {
    const client = new TestClient(gw().url);
    expect((await client.signIn('alice@example.org', 'alice-password-1')).status).toBe(303);
    const user = await findUserByEmail(db(), 'alice@example.org');
    expect(user).toMatchObject({ name: 'Alice Liddell', role: 'admin', type: 'employee', phone: '+491511234567', passwordHash: null, active: true });
    expect(user!.directoryId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await client.request('/')).status).toBe(200);
    expect(fixture.upstream.last()!.headers['remote-groups']).toBe('admin,employee,admins,staff');
  });

  it('signs in by username, and the login page asks for either', async () => {
    const client = new TestClient(gw().url);
    const { html } = await client.page(`${P}/login`);
    expect(html).toContain('Email or username');
    expect((await client.postForm(`${P}/login`, { email: 'bob', password: 'bob-password-12', rd: '/' })).status).toBe(303);
    expect(await findUserByEmail(db(), 'bob@example.org')).toMatchObject({ role: 'user', type: 'employee' });
  });

  it('a directory group reaches the access rules: only members of reports reach /reports', async () => {
    const bob = new TestClient(gw().url);
    expect((await bob.signIn('bob', 'bob-password-12')).status).toBe(303);
    expect((await bob.request('/reports/q1')).status).toBe(200);
    expect(fixture.upstream.last()!.headers['remote-groups']).toBe('user,employee,reports,staff');
    const alice = new TestClient(gw().url);
    expect((await alice.signIn('alice', 'alice-password-1')).status).toBe(303);
    expect((await alice.request('/reports/q1')).status).toBe(403);
  });

  it('refuses a wrong password with the generic answer, stores nothing of it, and counts it', async () => {
    const res = await new TestClient(gw().url).signIn('alice', 'not-her-password');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Incorrect email or password.');
    expect(await lastFailure()).toMatchObject({ reason: 'bad_password' });
    expect((await findUserByEmail(db(), 'alice@example.org'))!.passwordHash).toBeNull();
  });

  it('refuses a locked (disabled) account even with its right password, and creates no row for it', async () => {
    const res = await new TestClient(gw().url).signIn('carol@example.org', 'carol-password-1');
    expect(res.status).toBe(401);
    expect(await lastFailure()).toMatchObject({ reason: 'inactive' });
    expect(await findUserByEmail(db(), 'carol@example.org')).toBeUndefined();
  });

  it('keeps what was typed a value: wildcards and filter syntax match nobody', async () => {
    for (const typed of ['*', 'a*', 'alice)(uid=*', '*)(|(uid=*']) {
      const res = await new TestClient(gw().url).signIn(typed, 'alice-password-1');
      expect(res.status, typed).toBe(401);
      expect(await lastFailure(), typed).toMatchObject({ reason: 'unknown_user' });
    }
  });

  it('refuses an empty password before the directory sees it (an unauthenticated bind would succeed)', async () => {
    const client = new TestClient(gw().url);
    await client.page(`${P}/login`);
    expect((await client.postForm(`${P}/login`, { email: 'alice', password: '', rd: '/' })).status).toBe(400);
    const { directory } = gw().running;
    const found = await directory.ldap!.find('alice');
    expect(found.found).toBe('one');
    expect(await directory.ldap!.bindAs(found.found === 'one' ? found.person.dn : '', '')).toBe('refused');
  });

  it('a rename and a new address keep the same local row and its factors', async () => {
    const before = (await findUserByEmail(db(), 'bob@example.org'))!;
    await seedTotp(fixture.storage, before.id, gw().clock);
    await slapd.modify([
      'dn: uid=bob,ou=people,dc=example,dc=org', 'changetype: modrdn', 'newrdn: uid=robert', 'deleteoldrdn: 1', '',
      'dn: uid=robert,ou=people,dc=example,dc=org', 'changetype: modify', 'replace: mail', 'mail: robert@example.org', '',
    ].join('\n'));
    expect((await new TestClient(gw().url).signIn('robert', 'bob-password-12')).status).toBe(303);
    const after = (await findUserByDirectoryId(db(), before.directoryId!))!;
    expect(after.id).toBe(before.id);
    expect(after.email).toBe('robert@example.org');
    expect(await db().select().from(totpFactors).where(eq(totpFactors.userId, before.id))).toHaveLength(1);
    const [updated] = await db().select().from(auditLog).where(and(eq(auditLog.event, 'user.updated'), eq(auditLog.userId, before.id)));
    expect(updated!.details).toMatchObject({ source: 'directory', email: { from: 'bob@example.org', to: 'robert@example.org' } });
  });

  it('refresh: a group change reaches the next proxied request; a locked or removed user is disabled and signed out', async () => {
    const alice = new TestClient(gw().url);
    expect((await alice.signIn('alice', 'alice-password-1')).status).toBe(303);
    const robert = new TestClient(gw().url);
    expect((await robert.signIn('robert', 'bob-password-12')).status).toBe(303);
    expect((await robert.request('/')).status).toBe(200);

    await slapd.modify([
      'dn: cn=admins,ou=groups,dc=example,dc=org', 'changetype: modify', 'delete: member', 'member: uid=alice,ou=people,dc=example,dc=org', '',
      'dn: uid=robert,ou=people,dc=example,dc=org', 'changetype: modify', 'add: pwdAccountLockedTime', 'pwdAccountLockedTime: 000001010000Z', '',
    ].join('\n'));
    // Nothing is asked of the directory per request: until the refresh, both carry on as they were.
    expect((await robert.request('/')).status).toBe(200);
    const outcome = await gw().running.directoryRefresh!.refreshNow();
    expect(outcome).toMatchObject({ ok: true, updated: 1, disabled: 1 });

    expect((await alice.request('/')).status).toBe(200);
    expect(fixture.upstream.last()!.headers['remote-groups']).toBe('user,employee,staff');
    expect((await robert.request('/')).status).toBe(302);
    const robertRow = (await findUserByEmail(db(), 'robert@example.org'))!;
    expect(robertRow.active).toBe(false);
    const [disabled] = await db().select().from(auditLog).where(and(eq(auditLog.event, 'user.disabled'), eq(auditLog.userId, robertRow.id)));
    expect(disabled!.details).toMatchObject({ source: 'directory', why: 'disabled in the directory', sessions_revoked: expect.any(Number) });
    expect((disabled!.details as { sessions_revoked: number }).sessions_revoked).toBeGreaterThanOrEqual(1);
    expect((await db().select().from(auditLog).where(eq(auditLog.event, 'directory.synced'))).at(-1)!.details).toMatchObject({ trigger: 'refresh', updated: 1, disabled: 1 });

    // Removed from the directory altogether: disabled at the next refresh too.
    await slapd.modify('dn: uid=alice,ou=people,dc=example,dc=org\nchangetype: delete\n');
    expect(await gw().running.directoryRefresh!.refreshNow()).toMatchObject({ ok: true, disabled: 1 });
    expect((await alice.request('/')).status).toBe(302);
    expect((await findUserByEmail(db(), 'alice@example.org'))!.active).toBe(false);
  });
});
