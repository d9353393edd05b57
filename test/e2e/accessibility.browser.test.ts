// Every page, as the person who sees it, at 1280 px and on a 390 px phone, light and dark: axe-core
// finds no WCAG 2.1 AA violation, and on the phone the page itself never scrolls sideways (wide
// tables scroll in their own box). The user-facing pages again in German, and the pages only a form
// answers with (an expired form, a rate limit, "check your email"). CONTRACT §8.4, issue 29 items 3, 4, 5 and 7.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../support/browser.js';
import { answeredPages, startPageTour, type PageTour } from '../support/page-tour.js';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const MODES = [
  { width: 1280, height: 800, colorScheme: 'light' },
  { width: 1280, height: 800, colorScheme: 'dark' },
  { width: 390, height: 844, colorScheme: 'light' },
  { width: 390, height: 844, colorScheme: 'dark' },
] as const;

interface AxeResult { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }

let tour: PageTour;
let browser: Browser;

beforeAll(async () => {
  tour = await startPageTour();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await tour?.close();
});

/** A browser context for one person in one mode; axe is injected by the test, so the page's CSP is bypassed. */
async function contextFor(as: keyof PageTour['cookies'], mode: (typeof MODES)[number], locale?: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: mode.width, height: mode.height }, colorScheme: mode.colorScheme, bypassCSP: true,
    // Chromium sends Accept-Language from the locale.
    ...(locale ? { locale } : {}),
  });
  await context.addCookies([...tour.cookies[as]].map(([name, value]) => ({ name, value, url: tour.gw.url })));
  return context;
}

/** axe-core's WCAG 2.1 A and AA violations on the page as it stands, one line each. */
async function axeViolations(page: Page, name: string): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((tags) => (window as unknown as { axe: { run(o: unknown): Promise<unknown> } }).axe.run({ runOnly: { type: 'tag', values: tags } }), WCAG_21_AA) as AxeResult;
  return result.violations.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} → ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(' ')}`);
}

describe.skipIf(!hasChromium)('every page, accessible and phone-sized', () => {
  for (const mode of MODES) {
    it(`has no WCAG 2.1 AA violation at ${mode.width} px, ${mode.colorScheme}`, async () => {
      const found: string[] = [];
      for (const as of ['anonymous', 'password_only', 'user', 'admin'] as const) {
        const context = await contextFor(as, mode);
        try {
          const page = await context.newPage();
          for (const tourPage of tour.pages.filter((p) => p.as === as)) {
            const res = await page.goto(`${tour.gw.url}${tourPage.path}`);
            expect(res?.status(), tourPage.name).toBeLessThan(tourPage.name === 'not-found' || tourPage.name === 'link-expired' ? 500 : 400);
            found.push(...await axeViolations(page, tourPage.name));
          }
        } finally {
          await context.close();
        }
      }
      expect(found).toEqual([]);
    }, 240_000);
  }

  it('the pages a form answers with (an error tied to its fields, a help request received) pass too', async () => {
    const found: string[] = [];
    for (const mode of [MODES[0], MODES[3]]) {
      const context = await contextFor('anonymous', mode);
      try {
        const page = await context.newPage();
        await page.goto(`${tour.gw.url}/.recourse/login`);
        await page.fill('#email', 'ada@example.com');
        await page.fill('#password', 'not the password');
        await Promise.all([page.waitForLoadState('load'), page.click('form[action="/.recourse/login"] button[type=submit]')]);
        expect(await page.locator('#email').getAttribute('aria-invalid')).toBe('true');
        found.push(...await axeViolations(page, `sign-in error ${mode.width} ${mode.colorScheme}`));
        await page.goto(`${tour.gw.url}/.recourse/assist`);
        await page.fill('#email', 'ada@example.com');
        await Promise.all([page.waitForURL(() => true), page.click('form[action="/.recourse/assist"] button[type=submit]')]);
        expect(await page.locator('h1').innerText()).toBe('Request received');
        found.push(...await axeViolations(page, `help request received ${mode.width} ${mode.colorScheme}`));
      } finally {
        await context.close();
      }
    }
    expect(found).toEqual([]);
  }, 60_000);

  it('the user-facing pages in German pass too (admin pages stay English)', async () => {
    const found: string[] = [];
    const names = new Set<string>();
    for (const mode of [MODES[0], MODES[3]]) {
      for (const as of ['anonymous', 'password_only', 'user'] as const) {
        const context = await contextFor(as, mode, 'de-DE');
        try {
          const page = await context.newPage();
          for (const tourPage of tour.pages.filter((p) => p.as === as)) {
            await page.goto(`${tour.gw.url}${tourPage.path}`);
            // Translated, or this sweep would check English twice.
            expect(await page.locator('html').getAttribute('lang'), tourPage.name).toBe('de');
            names.add(tourPage.name);
            found.push(...await axeViolations(page, `${tourPage.name} (de) ${mode.width} ${mode.colorScheme}`));
          }
        } finally {
          await context.close();
        }
      }
    }
    for (const name of ['sign-in', 'assist', 'account']) expect(names).toContain(name);
    expect(found).toEqual([]);
  }, 240_000);

  it('the pages only a form answers with pass, in English and German: an expired form, a rate limit, "check your email"', async () => {
    const found: string[] = [];
    for (const [mode, locale] of [[MODES[0], 'en-US'], [MODES[3], 'de-DE']] as const) {
      const pages = await answeredPages(tour, locale);
      for (const answered of pages) {
        const context = await contextFor('anonymous', mode, locale);
        try {
          await context.addCookies([...answered.cookies].map(([name, value]) => ({ name, value, url: tour.gw.url })));
          const page = await context.newPage();
          const res = await answered.reach(page);
          expect(res, answered.name).toEqual(answered.status);
          expect(await page.locator('html').getAttribute('lang'), answered.name).toBe(locale.slice(0, 2));
          found.push(...await axeViolations(page, `${answered.name} (${locale}) ${mode.width} ${mode.colorScheme}`));
        } finally {
          await context.close();
        }
      }
    }
    expect(found).toEqual([]);
  }, 240_000);

  it('follows prefers-color-scheme: dark pages are dark, light pages light', async () => {
    const background = async (colorScheme: 'light' | 'dark') => {
      const context = await contextFor('anonymous', colorScheme === 'dark' ? MODES[1] : MODES[0]);
      try {
        const page = await context.newPage();
        await page.goto(`${tour.gw.url}/.recourse/login`);
        return await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      } finally {
        await context.close();
      }
    };
    expect(await background('light')).toBe('rgb(245, 247, 250)');
    expect(await background('dark')).toBe('rgb(15, 20, 25)');
  });

  it('on a phone the authenticator setup offers the app link and the key before the QR code', async () => {
    const order = async (mode: (typeof MODES)[number]) => {
      const context = await contextFor('user', mode);
      try {
        const page = await context.newPage();
        await page.goto(`${tour.gw.url}/.recourse/enroll`);
        const top = async (selector: string) => (await page.locator(selector).boundingBox())!.y;
        return { link: await top('.totp-app-link a'), key: await top('#totp-secret'), qr: await top('img.qr') };
      } finally {
        await context.close();
      }
    };
    const phone = await order(MODES[2]);
    expect(phone.link).toBeLessThan(phone.key);
    expect(phone.key).toBeLessThan(phone.qr);
    const desktop = await order(MODES[0]);
    expect(desktop.qr).toBeLessThan(desktop.key);
  });

  it('a skip link is the first stop and leads to the main content; the header wraps on a phone', async () => {
    const context = await contextFor('admin', MODES[2]);
    try {
      const page = await context.newPage();
      await page.goto(`${tour.gw.url}/.recourse/admin/users`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');
      expect(await page.locator('.skip-link').isVisible()).toBe(true);
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      const header = await page.locator('.topbar').boundingBox();
      expect(header!.width).toBeLessThanOrEqual(390);
      // The one-super-admin notice stands on every dashboard page: shown, never announced as an alert.
      expect(await page.locator('#sole-super-admin').getAttribute('role')).toBeNull();
    } finally {
      await context.close();
    }
  });

  it('no page scrolls sideways on a 390 px phone', async () => {
    const overflowing: string[] = [];
    for (const as of ['anonymous', 'password_only', 'user', 'admin'] as const) {
      const context = await contextFor(as, MODES[2]);
      try {
        const page = await context.newPage();
        for (const tourPage of tour.pages.filter((p) => p.as === as)) {
          await page.goto(`${tour.gw.url}${tourPage.path}`);
          const width = await page.evaluate(() => ({ content: document.documentElement.scrollWidth, viewport: window.innerWidth }));
          if (width.content > width.viewport) overflowing.push(`${tourPage.name}: ${width.content} px wide`);
        }
      } finally {
        await context.close();
      }
    }
    expect(overflowing).toEqual([]);
  }, 120_000);
});
