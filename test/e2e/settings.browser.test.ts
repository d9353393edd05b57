// Issue 28 item 1 in a real browser: an owner signs in with their password and authenticator app
// (a fresh second factor), changes a setting on the Settings page, saves, reads that it is saved,
// and the YAML file the value came from holds the new value with its comment kept.
// CI installs Chromium at /usr/bin/chromium; without it this file is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { seedTotp } from '../http/totp-support.js';
import { hasChromium, openPage, signInThroughForm, startBrowserStack, type BrowserStack } from '../support/browser.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const TEAM_FILE = '40-team.yaml';
const TEAM_YAML = [
  '# Our own settings — owned by the security team.',
  'factors:',
  '  backup_codes:',
  '    count: 10        # agreed in the 2026 review',
  '',
].join('\n');

describe.skipIf(!hasChromium)('the Settings page, in a browser', () => {
  let stack: BrowserStack;
  let secret = '';

  beforeAll(async () => {
    // The system clock: the code typed in the browser is computed from Date.now(), as an app would.
    stack = await startBrowserStack({ policy: { access: { default: 'one_factor' } } });
    const ownerId = await stack.gw.addUser({ email: 'olga@example.com', password: PASSWORD, name: 'Olga Owner', role: 'owner', dataProtectionLevel: 1 });
    secret = await seedTotp(stack.storage, ownerId, stack.gw.clock);
    fs.writeFileSync(path.join(stack.gw.policiesDir, TEAM_FILE), TEAM_YAML);
    await stack.gw.running.policies.reload();
  });
  afterAll(() => stack?.close());

  it('an owner with a fresh second factor saves a change; the file keeps its comment and holds the new value', async () => {
    const page = await openPage(stack.browser);
    const url = `${stack.gw.url}${P}/admin/settings`;
    await signInThroughForm(page, url, { email: 'olga@example.com', password: PASSWORD }, `${P}/2fa`);
    await page.fill('#code', generateTotpCode(secret, Date.now()));
    await Promise.all([page.waitForURL((u) => u.pathname === `${P}/admin/settings`), page.click('#totp button[type=submit]')]);

    const count = page.locator('#setting-factors-backup_codes-count');
    expect(await count.inputValue()).toBe('10');
    expect(await page.locator('[data-key="factors.backup_codes.count"] .source').innerText()).toContain(`${TEAM_FILE}:4`);
    await count.fill('12');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('notice') === 'saved'), page.locator('#settings button[type=submit]:text("Save changes")').first().click()]);

    expect(await page.locator('body').innerText()).toContain('Settings saved into the policy files and in force.');
    expect(await page.locator('#setting-factors-backup_codes-count').inputValue()).toBe('12');
    const onDisk = fs.readFileSync(path.join(stack.gw.policiesDir, TEAM_FILE), 'utf8');
    expect(onDisk).toContain('# Our own settings — owned by the security team.');
    expect(onDisk).toMatch(/^ {4}count: 12 +# agreed in the 2026 review$/m);
    expect(stack.gw.running.policies.current().policy.factors.backup_codes.count).toBe(12);
    await page.context().close();
  });
});
