/**
 * Takes the README's screenshots with Debian's Chromium: sign-in, second-factor challenge,
 * assistance request (recovery), new backup codes, the admin dashboard's request queue, and the
 * same gateway on a phone (authenticator setup), in dark mode and in German.
 *   npm run screenshots            → docs/screenshots/*.png
 * The e2e test runs the same function into a temporary directory, so CI notices when it breaks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FixedClock } from '../../gateway/core/clock.js';
import { TestClient } from '../support/client.js';
import { GEOIP_ASN_DB, GEOIP_CITY_DB } from '../support/geoip.js';
import { startTestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';
import { seedTotp } from '../http/totp-support.js';
import { launchChromium } from '../support/browser.js';

export { CHROMIUM } from '../support/browser.js';
export const SHOTS = ['sign-in', 'challenge', 'assist', 'backup-codes', 'dashboard', 'phone-enroll', 'dashboard-dark', 'assist-de'] as const;
const P = '/.recourse';
const PASSWORD = 'correct horse battery';

export async function takeScreenshots(outDir: string): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const storage = await openTestStorage();
  const clock = new FixedClock(new Date());
  const gw = await startTestGateway({
    storage,
    // Requests "from" the MaxMind test networks show what admins see: city, country and network.
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, geoip: { city_db: GEOIP_CITY_DB, asn_db: GEOIP_ASN_DB } },
    policy: { access: { default: 'two_factor' }, rate_limits: { assistance: { per_ip: '100/1h', per_email: '100/1h' } } } });
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    const ada = await gw.addUser({ email: 'ada@example.com', password: PASSWORD, name: 'Ada Lovelace', type: 'employee' });
    await seedTotp(storage, ada, clock);
    await gw.addUser({ email: 'admin@example.com', password: PASSWORD, name: 'Grace Admin', role: 'super_admin', type: 'employee' });
    for (const [email, type, message, ip] of [
      ['ada@example.com', 'forgot_password', '', '216.160.83.56'],
      ['bob@example.com', 'locked_out', 'Locked out after the holidays.', '2001:480:10::1'],
      ['ada@example.com', 'lost_2fa', 'New phone, the authenticator app did not move over.', '89.160.20.112'],
    ] as const) {
      const client = new TestClient(gw.url, { 'x-forwarded-for': ip });
      await client.page(`${P}/assist`);
      await client.postForm(`${P}/assist`, { email, type, message });
    }
    await gw.running.assistance.poke();

    const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const shot = async (name: (typeof SHOTS)[number], on = page) => {
      const file = path.join(outDir, `${name}.png`);
      await on.screenshot({ path: file, fullPage: false });
      written.push(file);
    };

    await page.goto(`${gw.url}${P}/login`);
    await page.fill('#email', 'ada@example.com');
    await shot('sign-in');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === `${P}/2fa`), page.click(`form[action="${P}/login"] button[type=submit]`)]);
    await shot('challenge');

    await page.goto(`${gw.url}${P}/assist`);
    await page.fill('#email', 'ada@example.com');
    await page.fill('textarea[name=message]', 'I replaced my phone and cannot get a code.');
    await shot('assist');

    const admin = new TestClient(gw.url);
    await admin.signIn('admin@example.com', PASSWORD);
    await stepUpClient(gw, admin);
    await context.clearCookies();
    await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url: gw.url })));
    const form = new TestClient(gw.url);
    for (const [name, value] of admin.cookies) form.cookies.set(name, value);
    await form.page(`${P}/account`);
    await form.postForm(`${P}/backup-codes/regenerate`, {});
    await context.clearCookies();
    await context.addCookies([...form.cookies].map(([name, value]) => ({ name, value, url: gw.url })));
    await page.goto(`${gw.url}${P}/backup-codes`);
    await shot('backup-codes');

    await page.goto(`${gw.url}${P}/admin/requests`);
    await shot('dashboard');

    const adminCookies = [...form.cookies].map(([name, value]) => ({ name, value, url: gw.url }));
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await phone.addCookies(adminCookies);
    const phonePage = await phone.newPage();
    await phonePage.goto(`${gw.url}${P}/enroll`);
    // The code field's autofocus scrolls the page; the shot starts at the top.
    await phonePage.evaluate(() => window.scrollTo(0, 0));
    await shot('phone-enroll', phonePage);
    await phone.close();

    const dark = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1, colorScheme: 'dark' });
    await dark.addCookies(adminCookies);
    const darkPage = await dark.newPage();
    await darkPage.goto(`${gw.url}${P}/admin/requests`);
    await shot('dashboard-dark', darkPage);
    await dark.close();

    const german = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1, locale: 'de-DE' });
    const germanPage = await german.newPage();
    await germanPage.goto(`${gw.url}${P}/assist`);
    await germanPage.fill('#email', 'ada@example.com');
    await germanPage.fill('textarea[name=message]', 'Neues Telefon, die Authenticator-App ist nicht mitgekommen.');
    await shot('assist-de', germanPage);
    await german.close();
  } finally {
    await browser.close();
    await gw.close();
    await storage.close();
  }
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const out = path.resolve(process.argv[2] ?? 'docs/screenshots');
  const files = await takeScreenshots(out);
  for (const file of files) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
