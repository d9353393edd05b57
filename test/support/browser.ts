import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGatewayOptions } from './gateway.js';

/** Debian's Chromium (CI installs the `chromium` package); browser tests skip when it is absent. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/** Headless, sandbox-free (root in CI) and with no background traffic: the network here is closed. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

const P = '/.recourse';

export interface BrowserStack extends ProxiedTestGateway {
  browser: Browser;
}

/** Storage, an echo upstream, a gateway in front of it and Chromium; on a failed start, whatever opened is closed. */
export async function startBrowserStack(gateway: Omit<TestGatewayOptions, 'storage' | 'upstream'>): Promise<BrowserStack> {
  const proxied = await startProxiedTestGateway(gateway);
  try {
    const browser = await launchChromium();
    return {
      ...proxied, browser,
      async close() {
        await browser.close();
        await proxied.close();
      },
    };
  } catch (error) {
    await proxied.close();
    throw error;
  }
}

/** A fresh page (its own context) that gives up on a step after 10 s instead of the test's whole budget. */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

/** Goes to `url`, which must redirect to the sign-in page, signs in there and waits for the page at `next`. */
export async function signInThroughForm(page: Page, url: string, user: { email: string; password: string }, next: string): Promise<void> {
  await page.goto(url);
  expect(new URL(page.url()).pathname).toBe(`${P}/login`);
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === next), page.click(`form[action="${P}/login"] button[type=submit]`)]);
}

/** On the enrolment page, types the shown key into an "authenticator" and waits for one of `next`; returns the key. */
export async function enrolTotpInBrowser(page: Page, next: string | string[]): Promise<string> {
  const paths = typeof next === 'string' ? [next] : next;
  const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
  await page.fill('#code', generateTotpCode(secret, Date.now()));
  await Promise.all([page.waitForURL((u) => paths.includes(u.pathname)), page.click('#totp button[type=submit]')]);
  return secret;
}
