/**
 * A request page ready to act on (issue 28 items 3, 5 and 7), through the real server: the queue's
 * Actions column and its confirmation step (an htmx fragment, or a page without JavaScript), the
 * detail page with its actions first, one reason for every account action, Cancel with reasons of
 * its own, the account then and now, "unknown" where there is no data, the security events as
 * sentences (in the page and in the administrators' alert), event names as words, and On Behalf
 * Of as a user picker.
 */
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, auditLog, outbox, signInEvents } from '../../db/schema/index.js';
import { deliveredEmails } from '../support/mailbox.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import type { TestClient } from '../support/client.js';
import { actionForm, anonymous, insertRequest, P, PASSWORD, REASON, signedIn } from './admin-support.js';

const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let expert: TestClient;
let reader: TestClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  ids.expert = await gw.addUser({ email: 'expert@example.com', password: PASSWORD, name: 'Erin Expert', role: 'admin', dataProtectionLevel: 1, expertMode: true });
  ids.reader = await gw.addUser({ email: 'reader@example.com', password: PASSWORD, name: 'Rita Reader', role: 'admin', dataProtectionLevel: 1 });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, name: 'Root', role: 'super_admin' });
  ids.uma = await gw.addUser({ email: 'uma@example.com', password: PASSWORD, name: 'Uma User', type: 'employee' });
  ids.ann1 = await gw.addUser({ email: 'ann.lee@example.com', password: PASSWORD, name: 'Ann Lee' });
  ids.ann2 = await gw.addUser({ email: 'ann.moss@example.com', password: PASSWORD, name: 'Ann Moss' });
  ids.sam = await gw.addUser({ email: 'sam@example.com', password: PASSWORD, name: 'Sam Smith' });
  expert = await signedIn(gw, 'expert@example.com');
  reader = await signedIn(gw, 'reader@example.com');
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const rowOf = (html: string, reference: string) => new RegExp(`<tr data-reference="${reference}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
const statusOf = async (reference: string) => (await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)))[0]!;

describe('the queue', () => {
  it('has an Actions column: Generate code and Cancel on open rows, Cancel only without an account, nothing the admin may not do', async () => {
    const matched = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    const stranger = await insertRequest(storage, clock, { userId: null, email: 'nobody@example.com' });
    const { html } = await expert.page(`${P}/admin/requests`);
    expect(html).toContain('<th>Actions</th>');
    const row = rowOf(html, matched);
    expect(row).toContain(`href="${P}/admin/requests/${matched}/confirm/generate-code" hx-get="${P}/admin/requests/${matched}/confirm/generate-code" hx-target="#actions-${matched}"`);
    expect(row).toContain(`href="${P}/admin/requests/${matched}/confirm/cancel"`);
    expect(rowOf(html, stranger)).not.toContain('confirm/generate-code');
    expect(rowOf(html, stranger)).toContain('confirm/cancel');
    // Without expert mode there is no code to generate, but cancelling is allowed.
    const readerRow = rowOf((await reader.page(`${P}/admin/requests`)).html, matched);
    expect(readerRow).not.toContain('confirm/generate-code');
    expect(readerRow).toContain('confirm/cancel');
  });

  it('the confirmation step is a fragment for htmx and a page without JavaScript; confirming goes back to the queue', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    const fragment = await expert.request(`${P}/admin/requests/${reference}/confirm/generate-code`, { headers: { 'hx-request': 'true' } });
    expect(fragment.status).toBe(200);
    const form = await fragment.text();
    expect(form.startsWith(`<form method="post" action="${P}/admin/requests/${reference}/generate-code"`)).toBe(true);
    expect(form).not.toContain('<html');
    expect(form).toContain('<input type="hidden" name="from" value="queue"/>');
    expect(form).toContain('email (uma@example.com)');
    const page = await expert.page(`${P}/admin/requests/${reference}/confirm/generate-code`);
    expect(page.html).toContain('<html');
    expect(page.html).toContain(`id="confirm-${reference}"`);
    const done = await expert.postForm(`${P}/admin/requests/${reference}/generate-code`, { reason: REASON, delivery: 'email', from: 'queue' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${P}/admin/requests?notice=code_sent`);
    expect((await statusOf(reference)).status).toBe('approved');
    expect((await expert.page(`${P}/admin/requests?notice=code_sent`)).html).toContain('A recovery code is on its way to the user.');
    // Cancel's step offers the cancel reasons and says who is emailed.
    const cancelStep = await (await expert.request(`${P}/admin/requests/${reference}/confirm/cancel`, { headers: { 'hx-request': 'true' } })).text();
    expect(cancelStep).toContain('value="Identity not verified"');
    expect(cancelStep).not.toContain(`value="${REASON}"`);
    expect(cancelStep).toContain('The user will be emailed at uma@example.com');
  });

  it('flags requests pending longer than recovery.assistance.stale_after (3d by default)', async () => {
    const old = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com', at: new Date(clock.nowMs() - 4 * 86_400_000) });
    const fresh = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com', at: new Date(clock.nowMs() - 86_400_000) });
    const { html } = await expert.page(`${P}/admin/requests`);
    expect(rowOf(html, old)).toContain('data-stale="true">Waiting 4 days');
    expect(rowOf(html, fresh)).not.toContain('data-stale');
    expect((await expert.page(`${P}/admin/requests/${old}`)).html).toContain('Waiting 4 days');
    gw.writePolicy({ access: { default: 'one_factor' }, recovery: { assistance: { stale_after: '5d' } } });
    await gw.running.policies.reload();
    expect(rowOf((await expert.page(`${P}/admin/requests`)).html, old)).not.toContain('data-stale');
    gw.writePolicy({ access: { default: 'one_factor' } });
    await gw.running.policies.reload();
  });
});

describe('the request page', () => {
  it('puts the actions first, the reason chosen once, one Recovery code action, Reset 2FA behind a confirmation, Status and Delivery labelled', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    // A super_admin, who may also reset 2FA.
    const root = await signedIn(gw, 'root@example.com');
    const { html } = await root.page(`${P}/admin/requests/${reference}`);
    expect(html.indexOf('id="resolve"')).toBeLessThan(html.indexOf('id="requester"'));
    expect(html).toMatch(/Status: <span class="badge warn" data-status="pending">Pending<\/span> · Delivery: <span[^>]*data-delivery="pending">Pending<\/span>/);
    const resolve = /<form[^>]*id="resolve">[\s\S]*?<\/form>/.exec(html)![0];
    expect(resolve.match(/name="reason"/g)).toHaveLength(4);
    expect(resolve).toContain(`formaction="${P}/admin/requests/${reference}/generate-code"`);
    expect(resolve).toContain(`formaction="${P}/admin/requests/${reference}/send-access-email"`);
    expect(resolve).not.toContain('send-recovery-code');
    expect(resolve).toMatch(/<details><summary>Reset 2FA…<\/summary>[\s\S]*formaction="[^"]*\/reset-2fa" name="confirm" value="yes"/);
    // Enter in a text box presses a disabled default button: nothing is sent by accident.
    expect(resolve).toMatch(/^<form[^>]*><button type="submit" disabled="" hidden=""/);
    const cancel = /<form[^>]*id="cancel">[\s\S]*?<\/form>/.exec(html)![0];
    expect(cancel).toContain('value="Suspicious request"');
    expect(cancel).not.toContain(`value="${REASON}"`);
    expect(cancel).toContain('The user will be emailed at uma@example.com that the request was closed, with the reason.');
  });

  it('Cancel takes its own reasons (the action reasons stay accepted); "Not sent" on a cancelled request; no account means nobody emailed', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    expect((await expert.postForm(`${P}/admin/requests/${reference}/cancel`, { reason: 'Because' })).status).toBe(400);
    expect((await expert.postForm(`${P}/admin/requests/${reference}/cancel`, { reason: 'Identity not verified' })).status).toBe(303);
    expect(await statusOf(reference)).toMatchObject({ status: 'cancelled', closedReason: 'Identity not verified' });
    expect((await expert.page(`${P}/admin/requests/${reference}`)).html).toContain('data-delivery="pending">Not sent</span>');
    const stranger = await insertRequest(storage, clock, { userId: null, email: 'nobody@example.com' });
    expect((await expert.page(`${P}/admin/requests/${stranger}`)).html).toContain('No one will be emailed: the email entered matches no account.');
  });

  it('shows the account then and now, and "unknown" where there is no location data', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    await storage.db.update(assistanceRequests).set({
      context: { city: null, country: null, asn: null, userAgent: 'test', ipSeenBefore: false, networkSeenBefore: false, countrySeenBefore: false,
        account: { exists: true, active: true, role: 'user', twoFactorEnabled: true, unusedBackupCodes: 4 }, lastSuccess: null, recentLocations: [], recentNetworks: [], recentFailures: 0 },
    }).where(eq(assistanceRequests.reference, reference));
    const { html } = await expert.page(`${P}/admin/requests/${reference}`);
    expect(html).toContain('<th>When the request arrived</th><th>Now</th>');
    expect(html).toMatch(/data-fact="Two-factor enabled"><th scope="row">Two-factor enabled<\/th><td>yes<\/td><td class="changed">no<\/td>/);
    expect(html).toMatch(/data-fact="Unused backup codes">[\s\S]*?<td>4<\/td><td class="changed">0<\/td>/);
    expect(html).toMatch(/Country seen before<\/th><td>unknown</);
    expect(html).toMatch(/Network seen before<\/th><td>unknown</);
    expect(html).toMatch(/City \/ region \/ country<\/th><td>unknown \/ unknown \/ unknown</);
    expect(html).not.toMatch(/Country seen before<\/th><td>no</);
  });

  it('groups and links the account\'s other open requests and cancels them as duplicates, without emailing the user', async () => {
    const first = await insertRequest(storage, clock, { userId: ids.ann1!, email: 'ann.lee@example.com', at: new Date(clock.nowMs() - 3_000) });
    const second = await insertRequest(storage, clock, { userId: ids.ann1!, email: 'ann.lee@example.com', at: new Date(clock.nowMs() - 2_000) });
    const third = await insertRequest(storage, clock, { userId: ids.ann1!, email: 'ann.lee@example.com', at: new Date(clock.nowMs() - 1_000) });
    const queue = await expert.page(`${P}/admin/requests`);
    expect(rowOf(queue.html, third)).toContain(`data-other-open="${third}">Also open for this account: <a class="code" href="${P}/admin/requests/${first}">`);
    const { html } = await expert.page(`${P}/admin/requests/${third}`);
    expect(html).toContain('id="other-open"');
    expect(html).toContain(`<li data-reference="${first}">`);
    expect(html).toContain(`<li data-reference="${second}">`);
    expect(html).toMatch(/id="cancel-duplicates"[\s\S]*value="Duplicate request" checked=""/);
    const res = await expert.postForm(`${P}/admin/requests/${third}/cancel-duplicates`, { reason: 'Duplicate request' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${P}/admin/requests/${third}?notice=duplicates`);
    expect(await statusOf(first)).toMatchObject({ status: 'cancelled', closedReason: 'Duplicate request' });
    expect(await statusOf(second)).toMatchObject({ status: 'cancelled' });
    expect((await statusOf(third)).status).toBe('pending');
    const rows = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'recovery_request.cancelled'), eq(auditLog.userId, ids.ann1!)));
    expect(rows.map((row) => row.details)).toEqual(expect.arrayContaining([
      expect.objectContaining({ reference: first, duplicate_of: third }), expect.objectContaining({ reference: second, duplicate_of: third }),
    ]));
    const closedMail = await storage.db.select().from(outbox).where(and(eq(outbox.recipient, 'ann.lee@example.com'), eq(outbox.kind, 'request_closed')));
    expect(closedMail).toHaveLength(0);
    expect((await expert.page(`${P}/admin/requests/${third}`)).html).not.toContain('id="other-open"');
  });
});

describe('recent security events, as sentences and words', () => {
  it('the alert email and the request page tell them as sentences; the dashboard names events in words, the CSV keeps the codes', async () => {
    const day = 86_400_000;
    await storage.db.insert(signInEvents).values([
      { userId: ids.sam!, email: 'sam@example.com', at: new Date(clock.nowMs() - 2 * day), success: true, method: 'totp', ip: '192.0.2.10' },
      { userId: ids.sam!, email: 'sam@example.com', at: new Date(clock.nowMs() - day), success: false, method: 'password', ip: '203.0.113.9' },
      { userId: ids.sam!, email: 'sam@example.com', at: new Date(clock.nowMs() - day / 2), success: false, method: 'password', ip: '203.0.113.9' },
    ]);
    const earlier = await insertRequest(storage, clock, { userId: ids.sam!, email: 'sam@example.com' });
    expect((await expert.postForm(`${P}/admin/requests/${earlier}/send-access-email`, actionForm())).status).toBe(303);
    const visitor = await anonymous(gw);
    expect((await visitor.postForm(`${P}/assist`, { email: 'sam@example.com', type: 'lost_2fa', message: 'Lost my phone.' })).status).toBe(200);
    const sentences = [
      'Last signed in successfully on 2026-02-27 09:00 UTC from 192.0.2.10, location unknown, with an authenticator app.',
      'Where recent sign-ins came from is unknown (no location data).',
      '2 failed sign-ins recently; the last on 2026-02-28 21:00 UTC from 203.0.113.9, location unknown.',
      'An access email was last sent on 2026-03-01 09:00 UTC.',
      'No recovery code has been sent.',
      'No change to the second factor is recorded.',
    ];
    // The account's work is done after the answer (assistance-worker.ts): the alert says it is.
    const [alert] = await deliveredEmails(gw, and(eq(outbox.kind, 'assistance_alert'), eq(outbox.recipient, 'expert@example.com')));
    const [request] = await storage.db.select().from(assistanceRequests)
      .where(and(eq(assistanceRequests.userId, ids.sam!), eq(assistanceRequests.message, 'Lost my phone.'))).orderBy(desc(assistanceRequests.createdAt));
    for (const sentence of sentences) expect(alert!.text).toContain(sentence);
    expect(alert!.html).toContain('<li>An access email was last sent on 2026-03-01 09:00 UTC.</li>');
    const { html } = await expert.page(`${P}/admin/requests/${request!.reference}`);
    expect(html).toContain('<li>Last signed in successfully on 27 Feb 2026, 09:00 from 192.0.2.10, location unknown, with an authenticator app.</li>');
    expect(html).toContain('<li>An access email was last sent on 1 Mar 2026, 09:00.</li>');
    // Event names as words on the dashboard, with the code kept as the row's data and title.
    expect(html).toContain('<tr data-event="access_email.sent"><td><time');
    expect(html).toContain('<td title="access_email.sent">Access email sent</td>');
    const audit = await expert.page(`${P}/admin/audit?user=sam@example.com`);
    expect(audit.html).toContain('<td title="assistance.submitted">Asked for help</td>');
    expect(audit.html).toContain('<option value="assistance.submitted">Asked for help</option>');
    const csv = await (await expert.request(`${P}/admin/audit.csv?user=sam@example.com`)).text();
    expect(csv).toContain(',assistance.submitted,');
    expect(csv).not.toContain('Asked for help');
  });
});

describe('On Behalf Of is a user picker', () => {
  it('searches by name or email, and picking one fills in their email', async () => {
    const found = await expert.request(`${P}/admin/user-picker?picker=resolve-on-behalf-of&on_behalf_of=ann`, { headers: { 'hx-request': 'true' } });
    expect(found.status).toBe(200);
    const list = await found.text();
    expect(list).toContain(`data-pick="${ids.ann1}"`);
    expect(list).toContain(`data-pick="${ids.ann2}"`);
    expect(list).not.toContain(`data-pick="${ids.uma}"`);
    expect(await (await expert.request(`${P}/admin/user-picker?picker=resolve-on-behalf-of&q=moss`)).text()).not.toContain(ids.ann1!);
    const picked = await (await expert.request(`${P}/admin/user-picker/pick?picker=resolve-on-behalf-of&id=${ids.ann2}`)).text();
    expect(picked).toMatch(/^<div class="user-picker" id="resolve-on-behalf-of">/);
    expect(picked).toContain('name="on_behalf_of" type="search" value="ann.moss@example.com"');
    expect((await expert.request(`${P}/admin/user-picker?picker=<script>&q=ann`)).status).toBe(400);
    // Only administrators reach it.
    const user = await signedIn(gw, 'uma@example.com');
    expect((await user.request(`${P}/admin/user-picker?picker=x&q=ann`)).status).toBe(403);
  });

  it('an action takes an email, an id or a unique name; an ambiguous or unknown one is refused with the candidates, the form kept', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.uma!, email: 'uma@example.com' });
    const ambiguous = await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm({ on_behalf_of: 'Ann' }));
    expect(ambiguous.status).toBe(400);
    const html = await ambiguous.text();
    expect(html).toContain('On behalf of matches more than one user: type the email of one of ann.lee@example.com, ann.moss@example.com.');
    expect(html).toContain('name="on_behalf_of" type="search" value="Ann"');
    expect(html).toContain(`value="${REASON}" checked=""`);
    const unknown = await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm({ on_behalf_of: 'Helpdesk' }));
    expect(await unknown.text()).toContain('On behalf of names no active user');
    expect((await statusOf(reference)).status).toBe('pending');
    expect((await expert.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm({ on_behalf_of: 'ANN.MOSS@example.com' }))).status).toBe(303);
    const [row] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'access_email.sent')).orderBy(desc(auditLog.id)).limit(1);
    expect(row!.details).toMatchObject({ reference, on_behalf_of: 'ann.moss@example.com', on_behalf_of_id: ids.ann2 });
  });
});
