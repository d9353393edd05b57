// An owner adds a user from the dashboard in a real browser (issue 27 item 6): the form says at once
// (htmx) that an address is taken, the new user's page confirms the invitation, and the invitee
// opens the emailed link, chooses a password, signs in and lands on second-factor enrolment.
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema/index.js';
import { findUserByEmail } from '../../db/queries/users.js';
import { enrolTotpInBrowser, hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';
import { deliveredEmails } from '../support/mailbox.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('an owner adds a user from the dashboard, in a browser', () => {
  let stack: BrowserStack;

  beforeAll(async () => {
    stack = await startBrowserStack({ policy: { access: { default: 'two_factor' } } });
    await stack.gw.addUser({ email: 'olivia@example.com', password: PASSWORD, name: 'Olivia Owner', role: 'owner' });
    await stack.gw.addUser({ email: 'taken@example.com', password: PASSWORD, name: 'Already Here' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('adds the user, who gets an invitation, sets a password and is led to enrol a factor', async () => {
    const { gw, storage } = stack;
    const admin = await openPage(stack.browser);

    // Olivia signs in; as an administrator she sets up her second factor first.
    await signInThroughForm(admin, `${gw.url}${P}/admin/users`, { email: 'olivia@example.com', password: PASSWORD }, `${P}/enroll`);
    await enrolTotpInBrowser(admin, [`${P}/admin/users`, `${P}/backup-codes`]);
    if (new URL(admin.url()).pathname === `${P}/backup-codes`) {
      await Promise.all([admin.waitForURL((url) => url.pathname === `${P}/admin/users`), admin.click('text=I have saved my codes')]);
    }

    // The add form, from the users list.
    await Promise.all([admin.waitForURL((url) => url.pathname === `${P}/admin/users/new`), admin.click('#add-user')]);
    await admin.fill('#new-email', 'taken@example.com');
    await admin.locator('#email-check').getByText('already exists').waitFor();
    await admin.fill('#new-email', 'nora@example.com');
    await admin.locator('#email-check').getByText('already exists').waitFor({ state: 'detached' });
    await admin.fill('#new-name', 'Nora New');
    await admin.selectOption('#new-type', 'employee');
    await admin.fill('#new-groups', 'ops, readers');
    await Promise.all([admin.waitForURL((url) => url.searchParams.get('notice') === 'invited'), admin.click('#new-user button[type=submit]')]);
    expect(await admin.locator('#user-facts').innerText()).toContain('nora@example.com');
    expect(await admin.locator('.notice').innerText()).toContain('invitation');
    expect(await admin.locator('#user-status').innerText()).toContain('invited, no password yet');

    // Nora's mailbox holds the invitation.
    const nora = await findUserByEmail(storage.db, 'nora@example.com');
    expect(nora).toMatchObject({ name: 'Nora New', type: 'employee', passwordHash: null });
    const [mail] = await deliveredEmails(gw, eq(outbox.userId, nora!.id));
    const link = /(http:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;

    // She chooses a password, signs in with it and is asked to set up her second factor.
    const invitee = await openPage(stack.browser);
    await invitee.goto(link);
    expect(await invitee.locator('h1').innerText()).toBe('Welcome: choose your password');
    await invitee.fill('#password', 'noras own passphrase');
    await Promise.all([invitee.waitForURL((url) => url.pathname === `${P}/login`), invitee.click('button[type=submit]')]);
    expect(await invitee.locator('.notice').innerText()).toContain('then set up your second factor');
    await invitee.fill('#email', 'nora@example.com');
    await invitee.fill('#password', 'noras own passphrase');
    await Promise.all([invitee.waitForURL((url) => url.pathname === `${P}/enroll`), invitee.click(`form[action="${P}/login"] button[type=submit]`)]);
    expect(await invitee.locator('#totp-secret').count()).toBe(1);
  });
});
