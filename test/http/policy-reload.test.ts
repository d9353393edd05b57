/**
 * Policy hot reload through the real server, and the policy page: a valid file changes decisions
 * within 2 s, an invalid one changes nothing and shows its error, no request fails while files
 * change under load, and two gateways reading one directory agree on the version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { fireReenrollmentTrigger } from '../../gateway/recovery/reenrollment.js';
import { loadPolicyDir, parsePolicyFiles, policyVersion, readPolicyFiles } from '../../gateway/policy/load.js';
import { policyAsYaml } from '../../gateway/routes/policies-page.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const LOCKED = { access: { default: 'one_factor', rules: [{ paths: ['/reports/**'], policy: 'deny' }] } };
const OPEN = { access: { default: 'one_factor' } };

const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let second: TestGateway;
let ids: Record<string, string>;

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, clock, upstream: upstream.url, policy: LOCKED });
  // A second instance on the same database and the same policy directory.
  second = await startTestGateway({ storage, clock, upstream: upstream.url, config: { policies: { dir: gw.policiesDir } } });
  ids = {
    root: await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' }),
    ada: await gw.addUser({ email: 'ada@example.com', password: PASSWORD, role: 'admin' }),
    ulla: await gw.addUser({ email: 'ulla@example.com', password: PASSWORD, type: 'employee' }),
  };
});
afterAll(async () => {
  await second?.close();
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function within(ms: number, condition: () => Promise<boolean> | boolean): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function signedIn(email: string, stepUp = false, target = gw): Promise<TestClient> {
  const client = new TestClient(target.url);
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  if (stepUp) await stepUpClient(target, client);
  return client;
}

const writeRaw = (text: string) => fs.writeFileSync(path.join(gw.policiesDir, 'test.yaml'), text);
const versionOnPage = (html: string) => /id="policy-version">([0-9a-f]+)</.exec(html)?.[1];

describe('hot reload', () => {
  it('a valid change decides requests within 2 s; an invalid one changes nothing and is shown', async () => {
    const user = await signedIn('ulla@example.com');
    expect((await user.request('/reports/q1')).status).toBe(403);

    gw.writePolicy(OPEN);
    await within(2_000, async () => (await user.request('/reports/q1')).status === 200);

    const admin = await signedIn('root@example.com', true);
    const good = gw.running.policies.current().version;
    writeRaw('access:\n  default: one_factor\n  rules: [unclosed\n');
    await within(2_000, () => gw.running.policies.current().lastError !== null);
    expect(gw.running.policies.current().version).toBe(good);
    expect((await user.request('/reports/q1')).status).toBe(200);
    const { html } = await admin.page(`${P}/admin/policies`);
    expect(html).toContain('id="policy-error"');
    expect(html).toMatch(/test\.yaml:\d+:\d+ /);
    expect(versionOnPage(html)).toBe(good);
    await within(2_000, async () => (await storage.db.select().from(auditLog).where(eq(auditLog.event, 'policy.rejected'))).length > 0);

    // A refused key names its path; fixing the file clears the error.
    writeRaw('access:\n  default: sometimes\n');
    await within(2_000, () => (gw.running.policies.current().lastError ?? []).some((line) => line.includes('access.default')));
    expect((await user.request('/reports/q1')).status).toBe(200);
    gw.writePolicy(LOCKED);
    await within(2_000, async () => (await user.request('/reports/q1')).status === 403);
    expect(gw.running.policies.current().lastError).toBeNull();
    expect((await admin.page(`${P}/admin/policies`)).html).not.toContain('id="policy-error"');
  });

  it('no request fails while the policy file is rewritten 20 times under a steady load', async () => {
    gw.writePolicy(OPEN);
    const user = await signedIn('ulla@example.com');
    await within(2_000, async () => (await user.request('/reports/q1')).status === 200);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) {
        // Every variant allows /reports; only /other flips between deny and one_factor.
        gw.writePolicy({ access: { default: 'one_factor', rules: [{ paths: ['/other'], policy: i % 2 === 0 ? 'deny' : 'one_factor' }] } });
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      writing = false;
    })();
    const statuses: number[] = [];
    const other: number[] = [];
    const worker = async () => {
      while (writing || statuses.length < 300) {
        statuses.push((await user.request(`/reports/${statuses.length}`)).status);
        other.push((await user.request('/other')).status);
      }
    };
    await Promise.all([writer, worker(), worker(), worker(), worker()]);
    expect(statuses.length).toBeGreaterThanOrEqual(300);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(other.filter((status) => status !== 200 && status !== 403)).toEqual([]);
    // The last write wins, on both instances.
    const read = await readPolicyFiles(gw.policiesDir);
    if (!read.ok) throw new Error('unreadable');
    const expected = policyVersion(read.files);
    await within(2_000, () => gw.running.policies.current().version === expected && second.running.policies.current().version === expected);
    expect((await user.request('/other')).status).toBe(200);
  });

  it('two gateways on one policy directory converge on the same version, and show it', async () => {
    gw.writePolicy({ ...LOCKED, reenrollment: [{ on: 'admin_reset', require: 'enroll_second_factor', within: '3d' }] });
    const read = await readPolicyFiles(gw.policiesDir);
    if (!read.ok) throw new Error('unreadable');
    const expected = policyVersion(read.files);
    await within(2_000, () => gw.running.policies.current().version === expected && second.running.policies.current().version === expected);
    const onFirst = versionOnPage((await (await signedIn('root@example.com', true)).page(`${P}/admin/policies`)).html);
    const onSecond = versionOnPage((await (await signedIn('root@example.com', true, second)).page(`${P}/admin/policies`)).html);
    expect([onFirst, onSecond]).toEqual([expected, expected]);
  });
});

describe('P/admin/policies', () => {
  it('shows the effective policy as a valid policy file that means the same', async () => {
    const shipped = await loadPolicyDir(path.join(process.cwd(), 'policies'));
    if (!shipped.ok) throw new Error('shipped policy refused');
    const text = policyAsYaml(shipped.policy);
    expect(text).toContain('within: 14d');
    const again = parsePolicyFiles([{ name: 'shown.yaml', path: 'shown.yaml', text }]);
    if (!again.ok) throw new Error(JSON.stringify(again.errors));
    expect(again.policy).toEqual(shipped.policy);
  });

  it('is for administrators past their second factor only', async () => {
    const anonymous = await new TestClient(gw.url).request(`${P}/admin/policies`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent(`${P}/admin/policies`)}`);
    expect((await (await signedIn('ulla@example.com', true)).request(`${P}/admin/policies`)).status).toBe(403);
    // The dashboard's guard (routes/guards/admin.tsx): on to the second factor, a recovery session to enrolment.
    const passwordOnly = await (await signedIn('ada@example.com')).request(`${P}/admin/policies`);
    expect(passwordOnly.status).toBe(302);
    expect(passwordOnly.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/admin/policies`)}`);
    const restricted = await signedIn('ada@example.com');
    await stepUpClient(gw, restricted, { restricted: true });
    const toEnrol = await restricted.request(`${P}/admin/policies`);
    expect(toEnrol.status).toBe(302);
    expect(toEnrol.headers.get('location')).toMatch(new RegExp(`^${P}/enroll`));
    expect((await (await signedIn('ada@example.com', true)).request(`${P}/admin/policies`)).status).toBe(200);
  });

  it('shows the effective policy, its files and version, the escape hatch, and what would happen to a user', async () => {
    gw.writePolicy({
      ...LOCKED,
      reenrollment: [
        { on: 'backup_code_used', require: 'enroll_second_factor', within: '7d', types: ['employee'] },
        { on: 'admin_reset', require: 'enroll_second_factor', within: 'immediate', roles: ['admin'] },
      ],
    });
    const read = await readPolicyFiles(gw.policiesDir);
    if (!read.ok) throw new Error('unreadable');
    await within(2_000, () => gw.running.policies.current().version === policyVersion(read.files));
    await storage.db.transaction((tx) => fireReenrollmentTrigger(tx, { policies: gw.running.policies, config: gw.config }, {
      userId: ids.ulla!, trigger: 'backup_code_used', role: 'user', type: 'employee', now: clock.now(),
    }));

    const admin = await signedIn('ada@example.com', true);
    const { html } = await admin.page(`${P}/admin/policies?email=${encodeURIComponent('ULLA@example.com')}`);
    expect(html).toContain(path.join(gw.policiesDir, 'test.yaml'));
    expect(versionOnPage(html)).toBe(policyVersion(read.files));
    // Durations as an administrator writes them, defaults filled in.
    expect(html).toContain('within: 7d');
    expect(html).toContain('within: immediate');
    expect(html).toContain('ttl: 10m');
    expect(html).toContain('per_ip: 5/1h');
    // The only super_admin gets the warning and the way out.
    expect(html).toContain('id="sole-super-admin"');
    expect(html).toContain('recourse user reset-2fa');
    // What would happen to ulla (an employee with the role user).
    expect(html).toContain('data-on="backup_code_used" data-applies="true"');
    expect(html).toContain('data-on="admin_reset" data-applies="false"');
    expect(html).toMatch(/<tr data-requirement="enroll_second_factor">[\s\S]*?backup_code_used[\s\S]*?Asks on the next page load/);

    const unknown = await admin.page(`${P}/admin/policies?email=nobody%40example.com`);
    expect(unknown.html).toContain('No user with the email nobody@example.com.');
    const [required] = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'reenrollment.required'), eq(auditLog.userId, ids.ulla!)));
    expect(required?.details).toMatchObject({ trigger: 'backup_code_used', requirement: 'enroll_second_factor' });
  });
});
