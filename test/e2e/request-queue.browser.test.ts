// Issue 28 item 3 in a real browser: from the queue, resolving a verified request takes at most
// three clicks — Generate code on the row, the reason, the confirmation — with htmx putting the
// confirmation step in the row, and the same three clicks without JavaScript, where the step is a
// page of its own. Also: Reset 2FA stays hidden behind its confirmation, and On Behalf Of is a
// picker that fills in the chosen user's email. Every click goes through one counter.
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests } from '../../db/schema/index.js';
import { hasChromium, startBrowserStack, type BrowserStack } from '../support/browser.js';
import { TestClient } from '../support/client.js';
import { stepUpClient } from '../support/step-up.js';
import { insertRequest } from '../http/admin-support.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';

describe.skipIf(!hasChromium)('an administrator resolves a request from the queue, in a browser', () => {
  let stack: BrowserStack;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startBrowserStack({});
    const { gw } = stack;
    ids.admin = await gw.addUser({ email: 'ada@example.com', password: PASSWORD, name: 'Ada Admin', role: 'admin', dataProtectionLevel: 1, expertMode: true });
    ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, name: 'Root', role: 'super_admin' });
    ids.uma = await gw.addUser({ email: 'uma@example.com', password: PASSWORD, name: 'Uma User', type: 'employee' });
    ids.ann = await gw.addUser({ email: 'ann.lee@example.com', password: PASSWORD, name: 'Ann Lee' });
  });
  afterAll(() => stack?.close());

  /** A browser context signed in as this administrator, second factor just passed (not what is tested here). */
  async function adminContext(email: string, javaScriptEnabled: boolean): Promise<BrowserContext> {
    const { gw } = stack;
    const client = new TestClient(gw.url);
    expect((await client.signIn(email, PASSWORD)).status).toBe(303);
    const cookie = await stepUpClient(gw, client);
    const context = await stack.browser.newContext({ javaScriptEnabled });
    await context.addCookies([{ name: gw.config.session.cookie_name, value: cookie, url: gw.url }]);
    return context;
  }

  function counted(page: Page) {
    let clicks = 0;
    return {
      get clicks() { return clicks; },
      async click(selector: string) {
        clicks += 1;
        await page.locator(selector).click();
      },
    };
  }

  const statusOf = async (reference: string) => (await stack.storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)))[0]!;

  for (const javaScriptEnabled of [true, false]) {
    it(`three clicks from the queue to a code on its way, ${javaScriptEnabled ? 'with htmx' : 'without JavaScript'}`, async () => {
      const { gw, storage } = stack;
      const reference = await insertRequest(storage, gw.clock, { userId: ids.uma!, email: 'uma@example.com' });
      const context = await adminContext('ada@example.com', javaScriptEnabled);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${gw.url}${P}/admin/requests`);
      const queueUrl = page.url();
      const admin = counted(page);
      const row = `tr[data-reference="${reference}"]`;

      await admin.click(`${row} a:has-text("Generate code")`);
      if (javaScriptEnabled) {
        // htmx put the step in the row; the page did not change.
        await page.locator(`${row} form#confirm-${reference}`).waitFor();
        expect(page.url()).toBe(queueUrl);
      } else {
        await page.waitForURL((url) => url.pathname === `${P}/admin/requests/${reference}/confirm/generate-code`);
      }
      await admin.click(`#confirm-${reference} input[name=reason][value="Identity verified by phone"]`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === `${P}/admin/requests` && url.searchParams.get('notice') === 'code_sent'),
        admin.click(`#confirm-${reference} button[type=submit]`),
      ]);

      expect(admin.clicks).toBe(3);
      expect(await page.locator('[role=status]').innerText()).toContain('A recovery code is on its way');
      expect(await statusOf(reference)).toMatchObject({ status: 'approved' });
      await context.close();
    });
  }

  it('on the request page: Reset 2FA is hidden until its confirmation is opened; On Behalf Of picks a user', async () => {
    const { gw, storage } = stack;
    const reference = await insertRequest(storage, gw.clock, { userId: ids.uma!, email: 'uma@example.com' });
    const context = await adminContext('root@example.com', true);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${gw.url}${P}/admin/requests/${reference}`);

    const confirmReset = page.locator('#reset-2fa button[name=confirm]');
    expect(await confirmReset.isVisible()).toBe(false);
    await page.locator('#reset-2fa summary').click();
    expect(await confirmReset.isVisible()).toBe(true);

    await page.locator('#resolve-on-behalf-of-input').pressSequentially('Ann');
    const result = page.locator(`#resolve-on-behalf-of-results button[data-pick="${ids.ann}"]`);
    await result.click();
    await page.locator('#resolve-on-behalf-of [data-picked]').waitFor();
    expect(await page.locator('#resolve-on-behalf-of-input').inputValue()).toBe('ann.lee@example.com');

    await page.locator('#resolve input[name=reason][value="Confirmed by line manager"]').check();
    // Enter in the picker submits nothing (the default button is disabled). With the form valid, an
    // implicit submission would fire its submit event during the key press; this listener records it.
    await page.evaluate(() => {
      const form = document.getElementById('resolve')!;
      const record = (event: Event) => { event.preventDefault(); form.dataset.submitted = 'yes'; };
      form.addEventListener('submit', record);
      (window as unknown as { stopRecording: () => void }).stopRecording = () => form.removeEventListener('submit', record);
    });
    await page.locator('#resolve-on-behalf-of-input').press('Enter');
    expect(await page.locator('#resolve').getAttribute('data-submitted')).toBeNull();
    await page.evaluate(() => (window as unknown as { stopRecording: () => void }).stopRecording());
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('notice') === 'access_sent'),
      page.locator('#access-email button[type=submit]').click(),
    ]);
    expect(await statusOf(reference)).toMatchObject({ status: 'approved' });
    await context.close();
  });
});
