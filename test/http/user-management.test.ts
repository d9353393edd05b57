/**
 * Managing users on the dashboard (issue 27 item 6, CONTRACT §8.4): an owner adds a user, who gets
 * an invitation, sets a password and is led to enrol a second factor; disabling ends every session
 * at once (a proxied request with the old cookie is refused) and nothing lets the account back in
 * (password, a password link, a recovery code, a backup code); role, type and groups change with
 * one audited before/after; sessions end on a button. Every refusal is checked: the wrong role,
 * one's own account, an outranking account, a role above one's own, a stale or missing second
 * factor, and a missing CSRF token.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, backupCodes, outbox, recoveryCodes, userTokens, users } from '../../db/schema/index.js';
import { groupsOfUser } from '../../db/queries/user-groups.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { FRESH_SECOND_FACTOR_MS } from '../../gateway/admin/permissions.js';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import type { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, TEST_SECRET, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { deliveredEmails } from '../support/mailbox.js';
import { anonymous, P, PASSWORD, signedIn } from './admin-support.js';
import { seedTotp } from './totp-support.js';

let fixture: ProxiedTestGateway;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};
let owner: TestClient;

beforeAll(async () => {
  // one_factor: a password alone reaches the app, so "refused" below is about the account, not a factor.
  fixture = await startProxiedTestGateway({ clock, policy: { access: { default: 'one_factor' } } });
  ({ gw } = fixture);
  const add = async (key: string, role: 'super_admin' | 'owner' | 'admin' | 'user', extra: { dataProtectionLevel?: number } = {}) => {
    ids[key] = await gw.addUser({ email: `${key}@example.com`, password: PASSWORD, name: key, role, ...extra });
  };
  await add('super', 'super_admin');
  await add('super2', 'super_admin');
  await add('owner', 'owner');
  await add('admin', 'admin', { dataProtectionLevel: 9 });
  await add('target', 'user');
  await add('victim', 'user');
  owner = await signedIn(gw, 'owner@example.com');
});
afterAll(async () => {
  await fixture?.close();
});

const db = () => fixture.storage.db;
const userPath = (key: string) => `${P}/admin/users/${ids[key]}`;
const auditOf = async (event: string, userId: string) => db().select().from(auditLog).where(and(eq(auditLog.event, event), eq(auditLog.userId, userId))).orderBy(auditLog.id);
/** The form's CSRF token comes from the page, as a browser's would. */
async function post(client: TestClient, page: string, path: string, fields: Record<string, string> = {}) {
  await client.page(page);
  return client.postForm(path, fields);
}

describe('adding a user: an invitation, a password, then a second factor', () => {
  it('offers the form to owners and super_admins only', async () => {
    const list = await owner.page(`${P}/admin/users`);
    expect(list.html).toContain('id="add-user"');
    const page = await owner.page(`${P}/admin/users/new`);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('id="new-user"');
    // An owner cannot make a super_admin: the choice is not offered.
    expect(page.html).not.toContain('value="super_admin"');
    const admin = await signedIn(gw, 'admin@example.com');
    expect((await admin.page(`${P}/admin/users`)).html).not.toContain('id="add-user"');
    expect((await admin.request(`${P}/admin/users/new`)).status).toBe(403);
  });

  it('creates the account without a password, audits user.invited and emails a one-time link that leads to enrolment', async () => {
    const res = await post(owner, `${P}/admin/users/new`, `${P}/admin/users`, {
      email: 'New.Person@example.com', name: 'New Person', role: 'admin', type: 'employee', groups: 'ops, readers', phone: '+4915112345678',
    });
    expect(res.status).toBe(303);
    const created = await findUserByEmail(db(), 'new.person@example.com');
    expect(created).toMatchObject({ email: 'New.Person@example.com', name: 'New Person', role: 'admin', type: 'employee', phone: '+4915112345678', passwordHash: null, active: true });
    expect(res.headers.get('location')).toBe(`${P}/admin/users/${created!.id}?notice=invited`);
    expect(await groupsOfUser(db(), created!.id)).toEqual(['ops', 'readers']);
    const [invited] = await auditOf('user.invited', created!.id);
    expect(invited).toMatchObject({ actorId: ids.owner, details: { via: 'dashboard', role: 'admin', type: 'employee', groups: ['ops', 'readers'] } });
    const page = await owner.page(res.headers.get('location')!);
    expect(page.html).toContain('invitation to choose a password is on its way');
    expect(page.html).toContain('invited, no password yet');

    const [mail] = await deliveredEmails(gw, eq(outbox.userId, created!.id));
    expect(mail!.to).toBe('New.Person@example.com');
    const link = /(http:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail!.text)?.[1];
    expect(link).toBeDefined();
    expect(mail!.text).toContain('set up a second factor');

    // The invitee, in a browser of their own: no password yet, so no sign-in.
    const invitee = await anonymous(gw);
    expect((await invitee.signIn('new.person@example.com', 'anything at all 1')).status).toBe(401);
    const form = await invitee.page(link!.slice(gw.url.length));
    expect(form.res.status).toBe(200);
    expect(form.html).toContain('Welcome: choose your password');
    const token = new URL(link!).searchParams.get('token')!;
    const set = await invitee.postForm(`${P}/password/reset`, { token, password: 'a brand new passphrase' });
    expect(set.status).toBe(303);
    const loginUrl = set.headers.get('location')!;
    expect(loginUrl).toBe(`${P}/login?notice=welcome&rd=${encodeURIComponent(`${P}/enroll`)}`);
    // The link works once.
    expect((await invitee.page(link!.slice(gw.url.length))).res.status).toBe(400);

    const login = await invitee.page(loginUrl);
    expect(login.html).toContain('then set up your second factor');
    const signIn = await invitee.postForm(`${P}/login`, { email: 'new.person@example.com', password: 'a brand new passphrase', rd: `${P}/enroll` });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe(`${P}/enroll`);
    const enrol = await invitee.page(`${P}/enroll`);
    expect(enrol.res.status).toBe(200);
    expect(enrol.html).toContain('otpauth://totp/');
  });

  it('refuses a duplicate address (any case) with a clear message, and creates nothing', async () => {
    const res = await post(owner, `${P}/admin/users/new`, `${P}/admin/users`, { email: 'TARGET@example.com', role: 'user', type: 'user' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('A user with this email already exists.');
    expect(await db().select().from(users).where(eq(users.email, 'TARGET@example.com'))).toEqual([]);
    // As the address is typed (htmx), the same answer.
    const check = await owner.request(`${P}/admin/users/new/email?email=Target%40example.com`);
    expect(await check.text()).toContain('already exists');
    expect(await (await owner.request(`${P}/admin/users/new/email?email=free%40example.com`)).text()).not.toContain('already exists');
  });

  it('refuses invalid fields, each named, keeping what was typed', async () => {
    const res = await post(owner, `${P}/admin/users/new`, `${P}/admin/users`, { email: 'not-an-email', name: 'Kept Name', role: 'user', type: 'robot', groups: 'ok, bad*name', phone: '123' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Email &quot;not-an-email&quot; is not a valid address.');
    expect(html).toContain('Type &quot;robot&quot; is not one of user, employee, customer.');
    expect(html).toContain('invalid group name &quot;bad*name&quot;');
    expect(html).toContain('Phone &quot;123&quot; is not in E.164 form');
    expect(html).toContain('value="Kept Name"');
  });

  it('refuses a role above the actor\'s own', async () => {
    const res = await post(owner, `${P}/admin/users/new`, `${P}/admin/users`, { email: 'root2@example.com', role: 'super_admin', type: 'user' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Nobody gives a role above their own.');
    expect(await findUserByEmail(db(), 'root2@example.com')).toBeUndefined();
  });

  it('sends the invitation again on a button; the earlier link stops working', async () => {
    await post(owner, `${P}/admin/users/new`, `${P}/admin/users`, { email: 'late@example.com', role: 'user', type: 'user' });
    const late = (await findUserByEmail(db(), 'late@example.com'))!;
    const [first] = await deliveredEmails(gw, eq(outbox.userId, late.id));
    const page = await owner.page(`${P}/admin/users/${late.id}`);
    expect(page.html).toContain('id="reinvite"');
    const res = await owner.postForm(`${P}/admin/users/${late.id}/invite`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/admin/users/${late.id}?notice=reinvited`);
    const tokenOf = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)![1]!;
    // Under the fixed clock both were delivered "at once": the new one is the other token.
    const mails = await deliveredEmails(gw, eq(outbox.userId, late.id), { atLeast: 2 });
    const second = mails.map((mail) => tokenOf(mail.text)).find((token) => token !== tokenOf(first!.text));
    const client = await anonymous(gw);
    expect((await client.page(`${P}/password/reset?token=${tokenOf(first!.text)}`)).res.status).toBe(400);
    expect((await client.page(`${P}/password/reset?token=${second}`)).res.status).toBe(200);
    expect((await auditOf('user.invited', late.id)).map((row) => (row.details as { resent?: boolean }).resent ?? false)).toEqual([false, true]);
    // Once a password is set there is nothing to invite to.
    const refused = await owner.postForm(`${P}/admin/users/${ids.target}/invite`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('has chosen a password already');
  });
});

describe('disabling and enabling', () => {
  it('ends every session at once: the next proxied request with the old cookie is refused', async () => {
    const victim = await signedIn(gw, 'victim@example.com', { stepUp: false });
    const other = await signedIn(gw, 'victim@example.com', { stepUp: false });
    expect((await victim.request('/app')).status).toBe(200);
    const seen = fixture.upstream.seen.length;
    const res = await post(owner, userPath('victim'), `${userPath('victim')}/disable`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPath('victim')}?notice=disabled`);
    for (const client of [victim, other]) {
      const refused = await client.request('/app');
      expect(refused.status).toBe(302);
      expect(refused.headers.get('location')).toMatch(new RegExp(`^${P}/login`));
    }
    expect(fixture.upstream.seen.length).toBe(seen);
    expect(await findUserByEmail(db(), 'victim@example.com')).toMatchObject({ active: false, disabledByAdmin: true });
    const [row] = await auditOf('user.disabled', ids.victim!);
    expect(row).toMatchObject({ actorId: ids.owner, details: { sessions_revoked: 2 } });
    expect((await owner.page(userPath('victim'))).html).toContain('disabled by an administrator');
  });

  it('lets a disabled user in by no way: password, a password link, a recovery code, a backup code', async () => {
    const userId = ids.target!;
    await seedTotp(fixture.storage, userId, clock);
    const deps = { config: gw.config, clock, policies: gw.running.policies };
    await db().transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
    const shown = await db().transaction((tx) => revealBackupCodes(tx, deps, userId));
    if (!shown.ok) throw new Error(shown.reason);
    const issued = await db().transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: ids.super!, now: clock.now(), ttlMs: 3_600_000 }));
    const token = await db().transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: clock.now() }));
    // Halfway through signing in (password passed) when the account is disabled.
    const halfway = await signedIn(gw, 'target@example.com', { stepUp: false });
    await halfway.page(`${P}/2fa/recovery-code`);
    const csrf = halfway.csrf;

    expect((await post(owner, userPath('target'), `${userPath('target')}/disable`)).status).toBe(303);
    // Its unused links are void at once, not only while it stays disabled.
    expect((await db().select().from(userTokens).where(eq(userTokens.userId, userId))).every((t) => t.usedAt !== null)).toBe(true);

    expect((await (await anonymous(gw)).signIn('target@example.com', PASSWORD)).status).toBe(401);
    for (const [path, code] of [[`${P}/2fa/recovery-code`, issued.code], [`${P}/2fa/backup-code`, shown.codes[0]!]] as const) {
      halfway.csrf = csrf;
      const res = await halfway.postForm(path, { code, rd: '/' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(new RegExp(`^${P}/login`));
    }
    expect((await db().select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId)))[0]!.usedAt).toBeNull();
    expect((await db().select().from(backupCodes).where(eq(backupCodes.userId, userId))).every((c) => c.usedAt === null)).toBe(true);
    // Neither the voided link nor one issued while disabled (however it came about) sets a password.
    const late = await db().transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: clock.now() }));
    const client = await anonymous(gw);
    for (const link of [token, late]) {
      expect((await client.page(`${P}/password/reset?token=${link}`)).res.status).toBe(400);
      await client.page(`${P}/login`);
      expect((await client.postForm(`${P}/password/reset`, { token: link, password: 'taken over password' })).status).toBe(400);
    }
    expect((await findUserByEmail(db(), 'target@example.com'))!.passwordHash).not.toBeNull();
  });

  it('enabling lets the user sign in again, audited user.enabled', async () => {
    const res = await post(owner, userPath('target'), `${userPath('target')}/enable`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPath('target')}?notice=enabled`);
    expect(await findUserByEmail(db(), 'target@example.com')).toMatchObject({ active: true, disabledByAdmin: false });
    expect(await auditOf('user.enabled', ids.target!)).toHaveLength(1);
    expect((await (await anonymous(gw)).signIn('target@example.com', PASSWORD)).status).toBe(303);
    // Enabling what is enabled changes nothing and writes nothing.
    expect((await post(owner, userPath('target'), `${userPath('target')}/enable`)).headers.get('location')).toBe(`${userPath('target')}?notice=unchanged`);
    expect(await auditOf('user.enabled', ids.target!)).toHaveLength(1);
  });
});

describe('role, type and groups', () => {
  it('change in one step, audited once with before and after, and reach the very next proxied request', async () => {
    const target = await signedIn(gw, 'target@example.com', { stepUp: false });
    expect((await target.request('/app')).status).toBe(200);
    expect(fixture.upstream.last()!.headers['remote-groups']).toBe('user');
    const res = await post(owner, userPath('target'), `${userPath('target')}/access`, { role: 'admin', type: 'employee', groups: 'ops' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPath('target')}?notice=access`);
    const rows = await auditOf('user.updated', ids.target!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorId: ids.owner,
      details: { role: { from: 'user', to: 'admin' }, type: { from: 'user', to: 'employee' }, groups: { from: [], to: ['ops'], added: ['ops'], removed: [] } },
    });
    expect((await target.request('/app')).status).toBe(200);
    expect(fixture.upstream.last()!.headers['remote-groups']).toBe('admin,employee,ops');
  });

  it('demoting to user clears administrator permissions', async () => {
    await db().update(users).set({ dataProtectionLevel: 3, expertMode: true }).where(eq(users.id, ids.target!));
    expect((await post(owner, userPath('target'), `${userPath('target')}/access`, { role: 'user', type: 'employee', groups: 'ops' })).status).toBe(303);
    expect(await findUserByEmail(db(), 'target@example.com')).toMatchObject({ role: 'user', dataProtectionLevel: 0, expertMode: false });
    const rows = await auditOf('user.updated', ids.target!);
    expect(rows.at(-1)!.details).toEqual({ role: { from: 'admin', to: 'user' }, permissions_cleared: { data_protection_level: 3, expert_mode: true } });
  });

  it('refuses a role above one\'s own, a missing role and an invalid group, changing nothing', async () => {
    const above = await post(owner, userPath('target'), `${userPath('target')}/access`, { role: 'super_admin', type: 'user', groups: '' });
    expect(above.status).toBe(403);
    const missing = await post(owner, userPath('target'), `${userPath('target')}/access`, { groups: 'ops' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Role is missing.');
    const bad = await post(owner, userPath('target'), `${userPath('target')}/access`, { role: 'user', type: 'user', groups: 'a*b' });
    expect(bad.status).toBe(400);
    expect(await findUserByEmail(db(), 'target@example.com')).toMatchObject({ role: 'user', type: 'employee' });
  });
});

describe('ending sessions', () => {
  it('signs the user out everywhere on a button, audited session.revoked, and tells them', async () => {
    const one = await signedIn(gw, 'target@example.com', { stepUp: false });
    const two = await signedIn(gw, 'target@example.com', { stepUp: false });
    const before = (await auditOf('session.revoked', ids.target!)).length;
    const page = await owner.page(userPath('target'));
    expect(page.html).toContain('id="end-sessions"');
    const res = await owner.postForm(`${userPath('target')}/end-sessions`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${userPath('target')}?notice=sessions_ended`);
    for (const client of [one, two]) expect((await client.request('/app')).status).toBe(302);
    const rows = await auditOf('session.revoked', ids.target!);
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)).toMatchObject({ actorId: ids.owner });
    expect((rows.at(-1)!.details as { count: number }).count).toBeGreaterThanOrEqual(2);
    const notices = await deliveredEmails(gw, and(eq(outbox.userId, ids.target!), eq(outbox.kind, 'recovery_notice')));
    expect(notices.at(-1)!.subject).toContain('signed out everywhere');
  });
});

describe('refusals', () => {
  const ACTIONS: Array<[string, Record<string, string>]> = [
    ['disable', {}], ['enable', {}], ['end-sessions', {}], ['invite', {}], ['access', { role: 'user', type: 'user', groups: 'x' }],
  ];
  const unchanged = async () => {
    expect(await findUserByEmail(db(), 'victim@example.com')).toMatchObject({ active: false, role: 'user' });
    expect(await groupsOfUser(db(), ids.victim!)).toEqual([]);
  };

  it('an admin (not an owner) and a plain user are refused every action and the add form', async () => {
    const admin = await signedIn(gw, 'admin@example.com');
    for (const [action, fields] of ACTIONS) {
      expect((await post(admin, userPath('victim'), `${userPath('victim')}/${action}`, fields)).status, action).toBe(403);
    }
    expect((await post(admin, `${P}/admin/users`, `${P}/admin/users`, { email: 'sneaky@example.com' })).status).toBe(403);
    const user = await signedIn(gw, 'target@example.com');
    for (const [action, fields] of ACTIONS) expect((await user.postForm(`${userPath('victim')}/${action}`, fields)).status, action).toBe(403);
    expect(await findUserByEmail(db(), 'sneaky@example.com')).toBeUndefined();
    await unchanged();
  });

  it('nobody acts on their own account, and an owner cannot touch a super_admin', async () => {
    for (const [action, fields] of ACTIONS) {
      const own = await post(owner, userPath('owner'), `${userPath('owner')}/${action}`, fields);
      expect(own.status, action).toBe(403);
      expect(await own.text()).toContain('Nobody acts on their own account');
      const over = await post(owner, userPath('super'), `${userPath('super')}/${action}`, fields);
      expect(over.status, action).toBe(403);
      expect(await over.text()).toContain('higher role');
    }
    expect(await findUserByEmail(db(), 'super@example.com')).toMatchObject({ active: true, role: 'super_admin' });
    const ownPage = await owner.page(userPath('owner'));
    expect(ownPage.html).not.toContain('id="account-state"');
  });

  it('a stale second factor gets the step-up prompt, and the add page steps up first', async () => {
    const stale = await signedIn(gw, 'super@example.com');
    await stale.page(userPath('victim'));
    clock.advance(FRESH_SECOND_FACTOR_MS + 60_000);
    try {
      for (const [action, fields] of ACTIONS) {
        const res = await stale.postForm(`${userPath('victim')}/${action}`, fields);
        expect(res.status, action).toBe(403);
        expect(await res.text()).toContain(`${P}/2fa?rd=${encodeURIComponent(userPath('victim'))}&amp;stepup=1`);
      }
      const add = await stale.postForm(`${P}/admin/users`, { email: 'stale@example.com' });
      expect(add.status).toBe(403);
      const page = await stale.request(`${P}/admin/users/new`);
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/admin/users/new`)}&stepup=1`);
    } finally {
      clock.advance(-(FRESH_SECOND_FACTOR_MS + 60_000));
    }
    expect(await findUserByEmail(db(), 'stale@example.com')).toBeUndefined();
    await unchanged();
  });

  it('a session without its second factor is sent to it', async () => {
    const halfway = await signedIn(gw, 'super@example.com', { stepUp: false });
    const res = await halfway.postForm(`${userPath('victim')}/enable`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${P}/2fa\\?rd=`));
    await unchanged();
  });

  it('a post without the CSRF token is refused', async () => {
    const superAdmin = await signedIn(gw, 'super@example.com');
    for (const [action, fields] of ACTIONS) {
      const res = await superAdmin.request(`${userPath('victim')}/${action}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: superAdmin.base }, body: new URLSearchParams(fields),
      });
      expect(res.status, action).toBe(403);
    }
    const add = await superAdmin.request(`${P}/admin/users`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: superAdmin.base }, body: new URLSearchParams({ email: 'csrf@example.com' }),
    });
    expect(add.status).toBe(403);
    expect(await findUserByEmail(db(), 'csrf@example.com')).toBeUndefined();
    await unchanged();
  });

  it('a super_admin may demote another while two exist', async () => {
    const superAdmin = await signedIn(gw, 'super@example.com');
    const res = await post(superAdmin, userPath('super2'), `${userPath('super2')}/access`, { role: 'owner', type: 'user', groups: '' });
    expect(res.status).toBe(303);
    // Now the only one: the page warns, and no owner may touch it (the rule for the sole one is in the race test and the unit tests).
    expect((await superAdmin.page(`${P}/admin/users`)).html).toContain('id="sole-super-admin"');
  });
});
