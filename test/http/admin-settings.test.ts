/**
 * The dashboard's Settings page through the real server (issue 28 items 1 and 2, CONTRACT §8.4):
 * saving writes into the policy files with comments kept, an edit made on disk meanwhile is never
 * overwritten and neither edit is lost, an invalid value is refused with its key, the change is
 * audited `policy.changed` and in force at once, and only owners and super_admins with a fresh
 * second factor may save. The shipped default.yaml sits in the directory as it would in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { formFields, withField } from '../support/form.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { P, PASSWORD, signedIn } from './admin-support.js';

const SHIPPED = path.join(import.meta.dirname, '../../policies/default.yaml');
const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let owner: TestClient;
const ids: Record<string, string> = {};

const local = () => path.join(gw.policiesDir, '50-local.yaml');
const readLocal = () => fs.readFileSync(local(), 'utf8');
const policy = () => gw.running.policies.current().policy;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  ids.owner = await gw.addUser({ email: 'owner@example.com', password: PASSWORD, name: 'Olga Owner', role: 'owner', dataProtectionLevel: 1 });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  ids.admin = await gw.addUser({ email: 'admin@example.com', password: PASSWORD, role: 'admin', dataProtectionLevel: 1, expertMode: true });
  owner = await signedIn(gw, 'owner@example.com');
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

beforeEach(async () => {
  // The shipped base file and the test's own; no local file yet.
  fs.copyFileSync(SHIPPED, path.join(gw.policiesDir, 'default.yaml'));
  fs.rmSync(local(), { force: true });
  await gw.running.policies.reload();
});

/** The settings form as drawn now. */
async function drawn(client = owner): Promise<{ html: string; fields: Array<[string, string]> }> {
  const { res, html } = await client.page(`${P}/admin/settings`);
  expect(res.status).toBe(200);
  return { html, fields: formFields(html, 'settings') };
}

function post(client: TestClient, fields: Array<[string, string]>): Promise<Response> {
  return client.request(`${P}/admin/settings`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url }, body: new URLSearchParams(fields),
  });
}

async function lastChange() {
  const [row] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'policy.changed')).orderBy(desc(auditLog.id)).limit(1);
  return row;
}

describe('saving settings', () => {
  it('writes only the changed keys into 50-local.yaml, puts them in force at once, audits policy.changed with before and after', async () => {
    const { html, fields } = await drawn();
    expect(html).toMatch(/data-key="factors.email_otp.enabled"[\s\S]*?from <span class="code">default.yaml:\d+<\/span>[\s\S]*?saved to <span class="code">50-local.yaml<\/span>/);
    expect(html).toMatch(/data-key="recovery.assistance.stale_after"[\s\S]*?from <span class="code">default.yaml:\d+/);
    const before = fs.readFileSync(path.join(gw.policiesDir, 'default.yaml'), 'utf8');
    let next = withField(fields, 'factors.email_otp.enabled', 'off', 'on');
    next = withField(next, 'factors.backup_codes.count', '12');
    const res = await post(owner, next);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/admin/settings?notice=saved`);
    expect(policy().factors.email_otp.enabled).toBe(true);
    expect(policy().factors.backup_codes.count).toBe(12);
    expect(readLocal()).toMatch(/^# Local policy changes[\s\S]*factors:\n {2}backup_codes:\n {4}count: 12\n {2}email_otp:\n {4}enabled: true\n$/);
    // The base file is documentation of the defaults: never written.
    expect(fs.readFileSync(path.join(gw.policiesDir, 'default.yaml'), 'utf8')).toBe(before);
    const audit = await lastChange();
    expect(audit).toMatchObject({ actorId: ids.owner, userId: null });
    expect(audit!.details).toMatchObject({
      changes: [
        { key: 'factors.backup_codes.count', file: '50-local.yaml', from: 10, to: 12 },
        { key: 'factors.email_otp.enabled', file: '50-local.yaml', from: false, to: true },
      ],
      version: gw.running.policies.current().version,
    });
    // The page now names the local file as the source.
    expect((await drawn()).html).toMatch(/data-key="factors.email_otp.enabled"[\s\S]*?from <span class="code">50-local.yaml:\d+<\/span>/);
    // A save that changes nothing writes nothing.
    const unchanged = await post(owner, (await drawn()).fields);
    expect(unchanged.headers.get('location')).toBe(`${P}/admin/settings?notice=unchanged`);
  });

  it('keeps the comments and layout of the file it edits, and writes a value where it is set', async () => {
    fs.writeFileSync(local(), [
      '# Our own settings — owned by the security team.',
      'factors:',
      '  backup_codes:',
      '    count: 10        # agreed in the 2026 review',
      '    roles: [employee, customer]   # staff and customers',
      '  email_otp:',
      '    # enabled: true   (kept off until the SMTP relay is approved)',
      'recovery:',
      '  reasons:',
      '    - Lost or replaced device   # the usual one',
      '    - Other',
      '',
    ].join('\n'));
    await gw.running.policies.reload();
    const { html, fields } = await drawn();
    expect(html).toMatch(/data-key="factors.backup_codes.count"[\s\S]*?from <span class="code">50-local.yaml:4<\/span>/);
    let next = withField(fields, 'factors.backup_codes.count', '12');
    next = withField(next, 'factors.backup_codes.roles', '', 'admin', 'employee', 'customer');
    next = withField(next, 'factors.email_otp.enabled', 'off', 'on');
    expect((await post(owner, next)).status).toBe(303);
    expect(readLocal()).toBe([
      '# Our own settings — owned by the security team.',
      'factors:',
      '  backup_codes:',
      '    count: 12 # agreed in the 2026 review',
      '    roles: [admin, employee, customer] # staff and customers',
      '  email_otp:',
      '    # enabled: true   (kept off until the SMTP relay is approved)',
      '    enabled: true',
      'recovery:',
      '  reasons:',
      '    - Lost or replaced device # the usual one',
      '    - Other',
      '',
    ].join('\n'));
    expect(policy().factors.backup_codes.roles).toEqual(['admin', 'employee', 'customer']);
  });

  it('refuses an invalid value with its key named, and writes nothing', async () => {
    const { fields } = await drawn();
    const zero = await post(owner, withField(fields, 'factors.backup_codes.count', '0'));
    expect(zero.status).toBe(400);
    const html = await zero.text();
    expect(html).toContain('data-error-for="factors.backup_codes.count">factors.backup_codes.count: expected a number ≥ 1');
    // The form keeps what was typed.
    expect(html).toMatch(/name="factors.backup_codes.count" value="0"/);
    const low = await post(owner, withField(fields, 'factors.backup_codes.low_threshold', '10'));
    expect(low.status).toBe(400);
    expect(await low.text()).toContain('factors.backup_codes.low_threshold: must be less than count (10)');
    const ttl = await post(owner, withField(fields, 'recovery.recovery_code.ttl', 'an hour'));
    expect(await ttl.text()).toContain('recovery.recovery_code.ttl: expected a duration like 1h');
    const none = await post(owner, withField(fields, 'factors.email_otp.roles', ''));
    expect(await none.text()).toContain('factors.email_otp.roles: expected at least one entry');
    expect(fs.existsSync(local())).toBe(false);
    expect(policy().factors.backup_codes.count).toBe(10);
  });

  it('Select all / Remove all redraw the roles without saving; all ticked is written as ["*"]', async () => {
    const { fields } = await drawn();
    const removed = await post(owner, [...withField(fields, 'factors.backup_codes.roles', ''), ['_select', 'remove:factors.backup_codes.roles']]);
    expect(removed.status).toBe(200);
    const redrawn = formFields(await removed.text(), 'settings');
    expect(redrawn.filter(([name]) => name === 'factors.backup_codes.roles')).toEqual([['factors.backup_codes.roles', '']]);
    expect(fs.existsSync(local())).toBe(false);
    const selected = await post(owner, [...redrawn, ['_select', 'select:factors.backup_codes.roles']]);
    const all = formFields(await selected.text(), 'settings').filter(([name]) => name === 'factors.backup_codes.roles').map(([, v]) => v);
    expect(all).toEqual(['', 'super_admin', 'owner', 'admin', 'user', 'employee', 'customer']);
    // Unchanged from the shipped ["*"]: nothing to write.
    expect((await post(owner, formFields(await (await post(owner, [...redrawn, ['_select', 'select:factors.backup_codes.roles']])).text(), 'settings'))).headers.get('location'))
      .toBe(`${P}/admin/settings?notice=unchanged`);
  });
});

describe('an edit made on disk while the form is open', () => {
  it('is never overwritten: the save is refused with both versions shown, and saving again keeps both edits', async () => {
    fs.writeFileSync(local(), 'factors:\n  backup_codes:\n    count: 10\n');
    await gw.running.policies.reload();
    const { fields } = await drawn();
    // Someone edits the same file by hand: another key, and the one the admin is about to change.
    fs.writeFileSync(local(), 'factors:\n  backup_codes:\n    count: 14  # raised by hand\n  email_otp:\n    ttl: 5m\n');
    let mine = withField(fields, 'factors.backup_codes.low_threshold', '2');
    mine = withField(mine, 'factors.backup_codes.count', '11');
    const refused = await post(owner, mine);
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain('changed on disk after this page was drawn');
    // The disk's edit is untouched.
    expect(readLocal()).toBe('factors:\n  backup_codes:\n    count: 14  # raised by hand\n  email_otp:\n    ttl: 5m\n');
    // Where both changed, the form keeps the admin's value and shows the disk's beside it.
    expect(html).toMatch(/data-on-disk="factors.backup_codes.count">Now on disk: <span class="code">14<\/span>/);
    const again = formFields(html, 'settings');
    expect(again).toContainEqual(['factors.backup_codes.count', '11']);
    expect(again).toContainEqual(['factors.backup_codes.low_threshold', '2']);
    expect((await post(owner, again)).status).toBe(303);
    expect(readLocal()).toBe('factors:\n  backup_codes:\n    count: 11 # raised by hand\n    low_threshold: 2\n  email_otp:\n    ttl: 5m\n');
    expect(policy().factors.email_otp.ttl).toBe(300_000);
    expect(policy().factors.backup_codes).toMatchObject({ count: 11, low_threshold: 2 });
  });

  it('a disk edit to a key the admin did not touch survives a save made from the conflict form', async () => {
    const { fields } = await drawn();
    fs.writeFileSync(local(), 'recovery:\n  recovery_code:\n    ttl: 30m\n');
    const refused = await post(owner, withField(fields, 'factors.totp.enabled', 'off'));
    expect(refused.status).toBe(409);
    const again = formFields(await refused.text(), 'settings');
    expect(again).toContainEqual(['recovery.recovery_code.ttl', '30m']);
    expect((await post(owner, again)).status).toBe(303);
    expect(readLocal()).toBe('recovery:\n  recovery_code:\n    ttl: 30m\nfactors:\n  totp:\n    enabled: false\n');
    expect(policy().recovery.recovery_code.ttl).toBe(1_800_000);
    expect(policy().factors.totp.enabled).toBe(false);
  });
});

describe('who may save', () => {
  it('an admin sees the values read-only and is refused on the server', async () => {
    const admin = await signedIn(gw, 'admin@example.com');
    const { html } = await drawn(admin);
    expect(html).toContain('id="settings-read-only"');
    expect(html).not.toContain('>Save changes<');
    const fields = formFields((await drawn()).html, 'settings');
    const res = await post(admin, withField(fields, 'factors.email_otp.enabled', 'off', 'on'));
    expect(res.status).toBe(403);
    expect(fs.existsSync(local())).toBe(false);
  });

  it('an owner whose second factor is older than 10 minutes is asked to confirm it first; a super_admin with a fresh one saves', async () => {
    const stale = await signedIn(gw, 'owner@example.com');
    const { fields } = await drawn(stale);
    clock.advance(11 * 60_000);
    const res = await post(stale, withField(fields, 'factors.email_otp.enabled', 'off', 'on'));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('stepup=1');
    expect(fs.existsSync(local())).toBe(false);
    const root = await signedIn(gw, 'root@example.com');
    expect((await post(root, withField(formFields((await drawn(root)).html, 'settings'), 'factors.email_otp.enabled', 'off', 'on'))).status).toBe(303);
    expect((await lastChange())!.actorId).toBe(ids.root);
    owner = await signedIn(gw, 'owner@example.com');
  });
});

describe('the Policies page', () => {
  it('warns when a later file overrides a value an earlier one sets, with both places', async () => {
    fs.writeFileSync(path.join(gw.policiesDir, '30-team.yaml'), 'factors:\n  email_otp:\n    enabled: true\n');
    fs.writeFileSync(local(), 'factors:\n  email_otp:\n    enabled: false\n');
    await gw.running.policies.reload();
    const { html } = await owner.page(`${P}/admin/policies`);
    expect(html).toContain('id="policy-warnings"');
    expect(html).toContain(`${local()}:3:14 factors.email_otp.enabled: overrides the value set at ${path.join(gw.policiesDir, '30-team.yaml')}:3:14, which is ignored`);
    fs.rmSync(path.join(gw.policiesDir, '30-team.yaml'));
    await gw.running.policies.reload();
    expect((await owner.page(`${P}/admin/policies`)).html).not.toContain('id="policy-warnings"');
  });
});
