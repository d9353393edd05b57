// The whole recovery journey of issue 7 in a real browser: a user who lost their authenticator asks
// for help → an administrator, signed in with 2FA, filters Pending, opens the request and generates
// a code delivered by email (a real SMTP server on loopback) → the user signs in with the code from
// that mail, is forced to enrol a new factor, and reaches the app → the request shows Completed and
// Email Sent, and the audit log holds each step in order.
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { asc, eq } from 'drizzle-orm';
import { type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { freePort } from '../support/ports.js';
import { seedTotp } from '../http/totp-support.js';
import { enrolTotpInBrowser, hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const CODE = /\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/;
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

interface Mail { to: string[]; body: string }

async function startSmtpSink() {
  const port = await freePort();
  const received: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true, logger: false, disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The message body with quoted-printable soft breaks and escapes undone (enough to read a code). */
function plain(body: string): string {
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!hasChromium)('an administrator recovers a locked-out user, in a browser', () => {
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let stack: BrowserStack;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    sink = await startSmtpSink();
    // The system clock: codes typed in the browser are computed from Date.now(), as an app would.
    stack = await startBrowserStack({
      policy: { access: { default: 'two_factor' } },
      config: { mail: { smtp_url: `smtp://127.0.0.1:${sink.port}` } },
    });
    const { storage, gw } = stack;
    ids.admin = await gw.addUser({ email: 'ada@example.com', password: PASSWORD, name: 'Ada Admin', role: 'admin', dataProtectionLevel: 1, expertMode: true });
    ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, name: 'Root', role: 'super_admin' });
    ids.uma = await gw.addUser({ email: 'uma@example.com', password: PASSWORD, name: 'Uma User', type: 'employee' });
    // Uma had an authenticator app; she lost the phone it was on.
    await seedTotp(storage, ids.uma, gw.clock);
  });
  afterAll(async () => {
    await stack?.close();
    await sink?.close();
  });

  async function enrolTotp(page: Page): Promise<void> {
    await enrolTotpInBrowser(page, ['/reports', `${P}/backup-codes`]);
    // A first factor comes with a fresh set of backup codes, shown once before going on.
    if (new URL(page.url()).pathname === `${P}/backup-codes`) {
      await Promise.all([page.waitForURL((url) => url.pathname === '/reports'), page.click('text=I have saved my codes')]);
    }
  }

  it('runs from the assistance request to the user back in the app, audited step by step', async () => {
    const { storage, upstream, gw } = stack;
    const user = await openPage(stack.browser);
    const admin = await openPage(stack.browser);

    // 1. Uma asks for help.
    await user.goto(`${gw.url}${P}/assist`);
    await user.fill('#email', 'uma@example.com');
    await user.selectOption('select[name=type]', 'lost_2fa');
    await user.fill('textarea[name=message]', 'Lost my phone on the train.');
    await user.click('button[type=submit]');
    const reference = REFERENCE.exec(await user.locator('body').innerText())?.[0];
    expect(reference).toBeDefined();
    const alert = await waitFor('the administrators\' alert', () => sink.received.find((m) => m.to.includes('ada@example.com')));
    expect(plain(alert.body)).toContain(`${P}/admin/requests/${reference}`);

    // 2. Ada signs in with her password and second factor (set up on first sign-in, as the policy demands).
    await signInThroughForm(admin, `${gw.url}/reports`, { email: 'ada@example.com', password: PASSWORD }, `${P}/enroll`);
    await enrolTotp(admin);

    // 3. She filters Pending, refreshes the table in place, and opens the request.
    await admin.goto(`${gw.url}${P}/admin/requests?status=all&type=customer`);
    expect(await admin.locator(`tr[data-reference="${reference}"]`).count()).toBe(0);
    const queueUrl = admin.url();
    await admin.selectOption('#request-filters select[name=status]', 'pending');
    await admin.selectOption('#request-filters select[name=type]', 'employee');
    await admin.click('#request-filters button[type=submit]');
    const row = admin.locator(`tr[data-reference="${reference}"]`);
    await row.waitFor();
    expect(admin.url()).toBe(queueUrl); // htmx swapped the table; the page did not reload
    expect(await row.innerText()).toContain('Uma User');
    expect(await row.innerText()).toContain('Pending');
    await Promise.all([admin.waitForURL((url) => url.pathname === `${P}/admin/requests/${reference}`), row.locator('a').first().click()]);
    expect(await admin.locator('#requester').innerText()).toContain('uma@example.com');

    // 4. A recovery code, by email, with a reason, on behalf of a user picked by name.
    await admin.check('#resolve input[name=reason][value="Identity verified by phone"]');
    await admin.check('#recovery-code-delivery input[name=delivery][value=email]');
    await admin.locator('#resolve-on-behalf-of-input').pressSequentially('Root');
    await admin.locator(`#resolve-on-behalf-of-results button[data-pick="${ids.root}"]`).click();
    await admin.locator('#resolve-on-behalf-of [data-picked]').waitFor();
    await admin.fill('#resolve textarea[name=details]', 'Called Uma back on her desk phone.');
    await Promise.all([admin.waitForURL((url) => url.searchParams.get('notice') === 'code_sent'), admin.click('#recovery-code button[type=submit]')]);
    expect(await admin.locator('[data-status]').first().innerText()).toBe('Approved');

    // 5. The code reaches Uma's mailbox, and only hers.
    const mail = await waitFor('the recovery code email', () => sink.received.find((m) => m.to.includes('uma@example.com') && CODE.test(plain(m.body))));
    const code = CODE.exec(plain(mail.body))![0];
    expect(sink.received.filter((m) => m.to.includes('ada@example.com') && CODE.test(plain(m.body)))).toHaveLength(0);

    // 6. Uma signs in with her password and the code, must enrol a new factor, then reaches the app.
    await signInThroughForm(user, `${gw.url}/reports`, { email: 'uma@example.com', password: PASSWORD }, `${P}/2fa`);
    const rd = new URL(user.url()).searchParams.get('rd') ?? '/';
    await user.goto(`${gw.url}${P}/2fa/recovery-code?rd=${encodeURIComponent(rd)}`);
    await user.fill('#code', code);
    await Promise.all([user.waitForURL((url) => url.pathname === `${P}/enroll`), user.click('#recovery-code button[type=submit]')]);
    // The restricted session reaches nothing else.
    await user.goto(`${gw.url}/reports`);
    expect(new URL(user.url()).pathname).toBe(`${P}/enroll`);
    await enrolTotp(user);
    expect(await user.locator('body').innerText()).toContain('hello GET /reports');
    expect(upstream.last()?.headers['remote-email']).toBe('uma@example.com');

    // 7. The request shows Completed and Email Sent.
    await admin.goto(`${gw.url}${P}/admin/requests/${reference}`);
    expect(await admin.locator('[data-status]').first().innerText()).toBe('Completed');
    expect(await admin.locator('[data-delivery]').first().innerText()).toBe('Email Sent');
    await admin.goto(`${gw.url}${P}/admin/requests?status=completed&type=all`);
    expect(await admin.locator(`tr[data-reference="${reference}"]`).innerText()).toMatch(/Completed[\s\S]*Email Sent/);

    // 8. The audit log holds each step, in order — on the page (newest first) and in the table.
    await admin.goto(`${gw.url}${P}/admin/audit?user=uma@example.com`);
    const shown = (await admin.locator('#audit-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))).reverse();
    const steps = [
      'assistance.submitted', 'assistance.notified', 'recovery_request.code_generated', 'recovery_code.used',
      'second_factor.succeeded', 'recovery_request.completed', 'totp.enrolled',
    ];
    const positions = steps.map((step) => shown.indexOf(step, 0));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const rows = await storage.db.select().from(auditLog).where(eq(auditLog.userId, ids.uma!)).orderBy(asc(auditLog.id));
    const generated = rows.find((r) => r.event === 'recovery_request.code_generated')!;
    expect(generated).toMatchObject({ actorId: ids.admin, reason: 'Identity verified by phone' });
    expect(generated.details).toMatchObject({ reference, delivery: 'email', on_behalf_of: 'root@example.com', on_behalf_of_id: ids.root, details: 'Called Uma back on her desk phone.' });
    expect(rows.find((r) => r.event === 'recovery_request.completed')!.details).toMatchObject({ reference, via: 'recovery_code' });
  });
});
