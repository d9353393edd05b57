/**
 * The recovery-request queue and the actions on it, through the real server: filters and keyset
 * pages, the htmx table, the detail view, each action with its reason, audit row, message to the
 * user and status change, and the step-up prompt for expert-mode actions (SECURITY D2, R2).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, auditLog, outbox, recoveryCodes, signInEvents, totpFactors, userTokens, users } from '../../db/schema/index.js';
import { csvCell } from '../../gateway/routes/admin/audit.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { seedTotp } from './totp-support.js';
import { actionForm, insertRequest, P, PASSWORD, REASON, signedIn } from './admin-support.js';
import { deliveredEmails } from '../support/mailbox.js';

const CODE = /\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/;

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let smsServer: http.Server;
const smsReceived: Array<{ to: string; text: string }> = [];
const clock = new FixedClock('2026-03-01T09:00:00Z');
const ids: Record<string, string> = {};
let expert: TestClient;
let expertTotp: string;

beforeAll(async () => {
  storage = await openTestStorage();
  smsServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      smsReceived.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => smsServer.listen(0, '127.0.0.1', resolve));
  const smsUrl = `http://127.0.0.1:${(smsServer.address() as AddressInfo).port}/sms`;
  gw = await startTestGateway({ storage, clock, config: { sms: { webhook_url: smsUrl } } });
  ids.expert = await gw.addUser({ email: 'expert@example.com', password: PASSWORD, name: 'Erin Expert', role: 'admin', dataProtectionLevel: 1, expertMode: true });
  ids.owner = await gw.addUser({ email: 'owner@example.com', password: PASSWORD, name: 'Olga Owner', role: 'owner', dataProtectionLevel: 1 });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  ids.alice = await gw.addUser({ email: 'alice@example.com', password: PASSWORD, name: 'Alice', type: 'employee', phone: '+15555550100' });
  ids.bob = await gw.addUser({ email: 'bob@example.com', password: PASSWORD, name: 'Bob', type: 'customer' });
  expertTotp = await seedTotp(storage, ids.expert, clock);
  expert = await signedIn(gw, 'expert@example.com');
});
afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => smsServer?.close(resolve));
  await storage?.close();
});

async function requestRow(reference: string) {
  const [row] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
  return row!;
}

async function lastAudit(event: string) {
  const [row] = await storage.db.select().from(auditLog).where(eq(auditLog.event, event)).orderBy(desc(auditLog.id)).limit(1);
  return row;
}

/** Emails delivered to one address (the fixed clock gives many the same delivery time). */
async function messagesTo(recipient: string, kind?: string, atLeast = 1) {
  const mails = await deliveredEmails(gw, eq(outbox.recipient, recipient), { atLeast });
  return mails.filter((mail) => !kind || mail.kind === kind);
}

describe('the queue', () => {
  it('filters by status and by the type of the account, newest first, with the issue\'s columns', async () => {
    const employee = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    const customer = await insertRequest(storage, clock, { userId: ids.bob!, email: 'BOB@example.com', at: new Date(clock.nowMs() + 1000) });
    const stranger = await insertRequest(storage, clock, { userId: null, email: 'nobody@example.com', at: new Date(clock.nowMs() + 2000) });
    const closed = await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com', status: 'cancelled' });

    const { res, html } = await expert.page(`${P}/admin/requests`);
    expect(res.status).toBe(200);
    for (const column of ['Type', 'Requester', 'Role', 'Requested', 'Status', 'Delivery']) expect(html).toContain(`<th>${column}</th>`);
    // Default: Pending, All Types, newest first; a cancelled one is not in the queue.
    const order = [...html.matchAll(/data-reference="(AR-[^"]+)"/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual([stranger, customer, employee]);
    expect(order).not.toContain(closed);
    expect(html).toContain('nobody@example.com (no account)');
    expect(html).toContain('198.51.100.7');

    const employees = await expert.page(`${P}/admin/requests?status=pending&type=employee`);
    expect([...employees.html.matchAll(/data-reference="(AR-[^"]+)"/g)].map((m) => m[1])).toEqual([employee]);
    const cancelled = await expert.page(`${P}/admin/requests?status=cancelled&type=all`);
    expect(cancelled.html).toContain(closed);
    expect(cancelled.html).not.toContain(employee);
    const all = await expert.page(`${P}/admin/requests?status=all&type=customer`);
    expect(all.html).toContain(closed);
    expect(all.html).toContain(customer);
    expect(all.html).not.toContain(stranger);
  });

  it('Refresh reloads only the table through htmx, and is a plain GET form without JavaScript', async () => {
    const { html } = await expert.page(`${P}/admin/requests`);
    expect(html).toMatch(new RegExp(`<form method="get" action="${P}/admin/requests"[^>]*hx-get="${P}/admin/requests/table"`));
    const fragment = await expert.request(`${P}/admin/requests/table?status=pending&type=all`, { headers: { 'hx-request': 'true' } });
    expect(fragment.status).toBe(200);
    const body = await fragment.text();
    expect(body.startsWith('<section id="requests-table">')).toBe(true);
    expect(body).not.toContain('<html');
  });

  it('pages with a keyset cursor: no row twice, none skipped', async () => {
    const base = clock.nowMs() - 86_400_000;
    const made = new Set<string>();
    for (let i = 0; i < 55; i++) made.add(await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com', status: 'completed', at: new Date(base + i * 1000) }));
    const first = await expert.page(`${P}/admin/requests?status=completed&type=all`);
    const seen = [...first.html.matchAll(/data-reference="(AR-[^"]+)"/g)].map((m) => m[1]!);
    expect(seen).toHaveLength(50);
    const next = /href="([^"]*cursor=[^"]+)"/.exec(first.html)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const second = await expert.page(next!);
    const rest = [...second.html.matchAll(/data-reference="(AR-[^"]+)"/g)].map((m) => m[1]!);
    expect(rest).toHaveLength(5);
    expect(new Set([...seen, ...rest])).toEqual(made);
    expect(second.html).not.toContain('cursor=');
    expect((await expert.request(`${P}/admin/requests?status=bogus`)).status).toBe(400);
  });

  it('the detail view shows the stored context and escapes what the requester typed (SECURITY A4)', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    await storage.db.update(assistanceRequests).set({
      flags: ['repeated_account'],
      context: { city: 'Linköping', country: 'SE', userAgent: 'Firefox<img>', ipSeenBefore: true, findings: ['3 requests for this account within 24 hours'],
        account: { exists: true, active: true, role: 'user', twoFactorEnabled: true, unusedBackupCodes: 4 }, lastSuccess: null, recentLocations: [], recentNetworks: [], recentFailures: 0 },
    }).where(eq(assistanceRequests.reference, reference));
    const { res, html } = await expert.page(`${P}/admin/requests/${reference}`);
    expect(res.status).toBe(200);
    expect(html).toContain('repeated_account');
    expect(html).toContain('3 requests for this account within 24 hours');
    expect(html).toContain('Linköping');
    expect(html).toContain('Firefox&lt;img&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('Two-factor enabled');
    for (const id of ['resolve', 'recovery-code', 'access-email', 'reset-2fa', 'cancel']) expect(html).toContain(`id="${id}"`);
    // Reasons come from the policy list; cancel has its own.
    expect(html).toContain(`<input type="radio" name="reason" value="${REASON}"`);
    expect(html).toContain('<input type="radio" name="reason" value="Suspicious request"');
  });
});

describe('actions on a request', () => {
  it('Generate code by email: approved, the code goes only to the user, Delivery follows the message, audited with the reason', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    const res = await expert.postForm(`${P}/admin/requests/${reference}/generate-code`, actionForm({ delivery: 'email', on_behalf_of: 'Olga' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/admin/requests/${reference}?notice=code_sent`);
    const row = await requestRow(reference);
    expect(row.status).toBe('approved');
    expect(row.delivery).toBe('email_sent');
    const [message] = (await messagesTo('alice@example.com', 'recovery_code')).filter((m) => m.requestId === row.id);
    expect(message).toMatchObject({ to: 'alice@example.com', kind: 'recovery_code' });
    const code = CODE.exec(message!.text)?.[0];
    expect(code).toBeDefined();
    const [stored] = await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.requestId, row.id));
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBe(3_600_000);
    expect(stored!.codeHash).not.toContain(code!.replaceAll('-', ''));
    const audit = await lastAudit('recovery_request.code_generated');
    expect(audit).toMatchObject({ actorId: ids.expert, userId: ids.alice, reason: REASON });
    // On Behalf Of named one user (a unique name match): the audit row holds who, by email and id.
    expect(audit!.details).toMatchObject({ reference, delivery: 'email', details: 'Called the user back on the number on file.', on_behalf_of: 'owner@example.com', on_behalf_of_id: ids.owner });
    expect(JSON.stringify(audit)).not.toContain(code!);
    // The admin never sees the code.
    const page = await expert.page(`${P}/admin/requests/${reference}?notice=code_sent`);
    expect(page.html).not.toContain(code!);
    expect(page.html).toContain('data-delivery="email_sent"');
    expect(page.html).toContain('Email Sent');
  });

  it('Generate code by SMS goes to the phone (and a notice to the mailbox); without a phone it is refused', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    const res = await expert.postForm(`${P}/admin/requests/${reference}/generate-code`, actionForm({ delivery: 'sms' }));
    expect(res.status).toBe(303);
    expect(smsReceived.at(-1)?.to).toBe('+15555550100');
    expect(smsReceived.at(-1)?.text).toMatch(CODE);
    expect(await requestRow(reference)).toMatchObject({ status: 'approved', delivery: 'sms_sent' });
    const notices = await messagesTo('alice@example.com', 'recovery_notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ requestId: null, subject: expect.stringContaining('recovery code was issued') });

    const noPhone = await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com' });
    const refused = await expert.postForm(`${P}/admin/requests/${noPhone}/generate-code`, actionForm({ delivery: 'sms' }));
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('SMS is not available');
    expect((await requestRow(noPhone)).status).toBe('pending');
  });

  it('a reason from the policy list is required; the request is left alone otherwise', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com' });
    for (const reason of ['', 'Because I said so']) {
      const res = await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm({ reason }));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Choose a reason from the list.');
    }
    expect((await requestRow(reference)).status).toBe('pending');
    expect((await expert.postJson(`${P}/api/v1/recovery-requests/${reference}/cancel`, {})).status).toBe(400);
  });

  it('Send access email: a single-use reset link to the registered address that sets the password and revokes sessions', async () => {
    const bob = await signedIn(gw, 'bob@example.com');
    const reference = await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com' });
    const res = await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm());
    expect(res.status).toBe(303);
    expect((await requestRow(reference)).status).toBe('approved');
    const [message] = await messagesTo('bob@example.com', 'access_email');
    const link = /https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+/.exec(message!.text)?.[0];
    expect(link).toBeDefined();
    const [token] = await storage.db.select().from(userTokens).where(and(eq(userTokens.userId, ids.bob!), eq(userTokens.purpose, 'password_reset')));
    expect(token!.expiresAt.getTime() - token!.createdAt.getTime()).toBe(3_600_000);
    expect((await lastAudit('access_email.sent'))).toMatchObject({ actorId: ids.expert, userId: ids.bob, reason: REASON });

    const visitor = new TestClient(gw.url);
    const form = await visitor.page(link!.replace(gw.url, ''));
    expect(form.res.status).toBe(200);
    const tokenValue = new URL(link!).searchParams.get('token')!;
    const set = await visitor.postForm(`${P}/password/reset`, { token: tokenValue, password: 'a brand new passphrase 42' });
    expect(set.status).toBe(303);
    expect((await bob.request('/')).status).toBe(302);
    const again = await new TestClient(gw.url).signIn('bob@example.com', 'a brand new passphrase 42');
    expect(again.status).toBe(303);
    await storage.db.update(users).set({ passwordHash: (await storage.db.select().from(users).where(eq(users.id, ids.alice!)))[0]!.passwordHash }).where(eq(users.id, ids.bob!));
  });

  it('Reset 2FA (owner): factors gone, sessions revoked, user told; the request completes when the user enrols again', async () => {
    await seedTotp(storage, ids.alice!, clock);
    const alice = await signedIn(gw, 'alice@example.com');
    const owner = await signedIn(gw, 'owner@example.com');
    const reference = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    // An admin without a reset role sees why, and is refused on the server.
    const page = await expert.page(`${P}/admin/requests/${reference}`);
    expect(page.html).toContain('may not reset two-factor sign-in');
    expect((await expert.postForm(`${P}/admin/requests/${reference}/reset-2fa`, actionForm())).status).toBe(403);

    const res = await owner.postForm(`${P}/admin/requests/${reference}/reset-2fa`, actionForm({ confirm: 'yes' }));
    expect(res.status).toBe(303);
    expect(await storage.db.select().from(totpFactors).where(eq(totpFactors.userId, ids.alice!))).toHaveLength(0);
    expect((await alice.request('/')).status).toBe(302);
    expect((await messagesTo('alice@example.com', 'recovery_notice')).map((m) => m.subject)).toContainEqual(expect.stringContaining('two-factor sign-in was reset'));
    // Approved, not completed: the user is locked out until they enrol a new factor. Delivery follows the notice.
    expect(await requestRow(reference)).toMatchObject({ status: 'approved', delivery: 'email_sent' });
    expect(await lastAudit('second_factor.reset')).toMatchObject({ actorId: ids.owner, userId: ids.alice, reason: REASON });
    expect((await lastAudit('second_factor.reset'))!.details).toMatchObject({ reference });
  });

  it('Cancel closes the request, voids its code, tells the account holder; a closed request takes no more actions', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.alice!, email: 'alice@example.com' });
    expect((await expert.postForm(`${P}/admin/requests/${reference}/generate-code`, actionForm({ delivery: 'email' }))).status).toBe(303);
    const row = await requestRow(reference);
    const res = await expert.postForm(`${P}/admin/requests/${reference}/cancel`, actionForm({ reason: 'Other' }));
    expect(res.status).toBe(303);
    expect(await requestRow(reference)).toMatchObject({ status: 'cancelled', closedReason: 'Other' });
    const [code] = await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.requestId, row.id));
    expect(code!.voidedAt).not.toBeNull();
    expect((await messagesTo('alice@example.com', 'request_closed')).map((m) => m.subject)).toEqual([`Recourse: your request ${reference} was closed`]);
    expect((await lastAudit('recovery_request.cancelled'))!.details).toMatchObject({ reference, previous_status: 'approved', codes_voided: 1 });
    const again = await expert.postForm(`${P}/admin/requests/${reference}/generate-code`, actionForm({ delivery: 'email' }));
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already closed');
  });

  it('a request that matched no account is cancelled without mailing the typed address (SECURITY A3)', async () => {
    const reference = await insertRequest(storage, clock, { userId: null, email: 'stranger@example.com' });
    expect((await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm())).status).toBe(409);
    expect((await expert.postForm(`${P}/admin/requests/${reference}/cancel`, actionForm())).status).toBe(303);
    expect(await messagesTo('stranger@example.com', undefined, 0)).toHaveLength(0);
  });
});

describe('expert mode needs a fresh second factor (SECURITY D2)', () => {
  it('asks for the second factor again after 10 minutes, takes it on P/2fa?stepup=1, then allows the action', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.bob!, email: 'bob@example.com' });
    const detail = `${P}/admin/requests/${reference}`;
    clock.advance(11 * 60_000);
    const res = await expert.postForm(`${detail}/generate-code`, actionForm({ delivery: 'email' }));
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Confirm with your second factor first');
    const link = /href="([^"]*\/2fa\?rd=[^"]*stepup=1)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toBe(`${P}/2fa?rd=${encodeURIComponent(detail)}&stepup=1`);
    expect((await requestRow(reference)).status).toBe('pending');
    // Access emails need no expert mode and stay available meanwhile.
    const challenge = await expert.page(link!);
    expect(challenge.res.status).toBe(200);
    expect(challenge.html).toContain('id="totp"');
    const verified = await expert.postForm(`${P}/2fa/totp`, { code: generateTotpCode(expertTotp, clock.nowMs()), rd: detail });
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe(detail);
    const retry = await expert.postForm(`${detail}/generate-code`, actionForm({ delivery: 'email' }));
    expect(retry.status).toBe(303);
    expect((await requestRow(reference)).status).toBe('approved');
    // A fresh session is sent straight back from the challenge.
    const fresh = await expert.request(link!);
    expect(fresh.status).toBe(302);
  });
});

describe('users and audit pages', () => {
  it('lists users with search, filters, 2FA state, codes left and last sign-in', async () => {
    // The newest successful sign-in is the one shown (later than any made by the tests above).
    const latest = new Date(clock.nowMs() + 5 * 86_400_000);
    await storage.db.insert(signInEvents).values({ userId: ids.bob!, email: 'bob@example.com', at: latest, success: true, method: 'password', ip: '192.0.2.1' });
    await storage.db.insert(signInEvents).values({ userId: ids.bob!, email: 'bob@example.com', at: new Date(latest.getTime() + 86_400_000), success: false, method: 'password', ip: '192.0.2.1' });
    const { html } = await expert.page(`${P}/admin/users?q=BOB`);
    expect(html).toContain(`data-user="${ids.bob}"`);
    expect(html).not.toContain(`data-user="${ids.alice}"`);
    expect(html).toContain(`<time datetime="${latest.toISOString()}">`);
    const admins = await expert.page(`${P}/admin/users?role=admin`);
    expect(admins.html).toContain(`data-user="${ids.expert}"`);
    expect(admins.html).not.toContain(`data-user="${ids.bob}"`);
    const customers = await expert.page(`${P}/admin/users?type=customer&status=active`);
    expect(customers.html).toContain(`data-user="${ids.bob}"`);
    expect(customers.html).not.toContain(`data-user="${ids.alice}"`);
    const wildcard = await expert.page(`${P}/admin/users?q=%25`);
    expect(wildcard.html).toContain('No users match.');
  });

  it('an owner sets an admin\'s data-protection level and expert mode; audited; an admin cannot', async () => {
    const owner = await signedIn(gw, 'owner@example.com');
    const form = await owner.page(`${P}/admin/users/${ids.expert}`);
    expect(form.html).toContain('id="permissions"');
    expect((await expert.page(`${P}/admin/users/${ids.owner}`)).html).not.toContain('id="permissions"');
    const res = await owner.postForm(`${P}/admin/users/${ids.expert}/permissions`, { data_protection_level: '3' });
    expect(res.status).toBe(303);
    const [row] = await storage.db.select().from(users).where(eq(users.id, ids.expert!));
    expect(row).toMatchObject({ dataProtectionLevel: 3, expertMode: false });
    expect((await lastAudit('user.updated'))!.details).toEqual({ data_protection_level: { from: 1, to: 3 }, expert_mode: { from: true, to: false } });
    expect((await owner.postForm(`${P}/admin/users/${ids.expert}/permissions`, { data_protection_level: '12' })).status).toBe(400);
    await owner.postForm(`${P}/admin/users/${ids.expert}/permissions`, { data_protection_level: '1', expert_mode: 'on' });
  });

  it('filters the audit log and exports it as CSV', async () => {
    const { html } = await expert.page(`${P}/admin/audit?event=recovery_request.code_generated&actor=expert@example.com`);
    const events = [...html.matchAll(/data-event="([^"]+)"/g)].map((m) => m[1]);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events)).toEqual(new Set(['recovery_request.code_generated']));
    expect((await expert.request(`${P}/admin/audit?event=nope`)).status).toBe(400);
    const csv = await expert.request(`${P}/admin/audit.csv?event=recovery_request.code_generated`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain('attachment');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,event,actor,actor_id,user,user_id,ip,location,reason,details');
    expect(lines.length).toBe(events.length + 1);
    expect(lines.slice(1).every((line) => line.includes(',recovery_request.code_generated,expert@example.com,'))).toBe(true);
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('-1')).toBe("'-1");
  });
});
