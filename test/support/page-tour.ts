/**
 * Every page of the gateway, reachable in a browser: a gateway with a user who has an authenticator
 * app, an administrator and three assistance requests, and for each page the cookies of the person
 * who sees it. The accessibility and phone-layout sweeps (test/e2e/) and the screenshots walk it.
 * `answeredPages` adds the pages only a posted form reaches (an expired form, a rate limit, "check
 * your email").
 */
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { assistanceRequests, outbox } from '../../db/schema/index.js';
import { FixedClock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet } from '../../gateway/factors/backup-codes.js';
import { fireReenrollmentTrigger } from '../../gateway/recovery/reenrollment.js';
import { seedTotp } from '../http/totp-support.js';
import { TestClient } from './client.js';
import { deliveredEmails } from './mailbox.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import { stepUpClient } from './step-up.js';
import { openTestStorage } from './storage.js';

const P = '/.recourse';
export const TOUR_PASSWORD = 'correct horse battery';

export type Persona = 'anonymous' | 'password_only' | 'user' | 'admin';

export interface TourPage {
  /** A short name for reports and screenshots. */
  name: string;
  path: string;
  as: Persona;
}

export interface PageTour {
  gw: TestGateway;
  pages: TourPage[];
  /** Cookies (name → value) of each persona. */
  cookies: Record<Persona, Map<string, string>>;
  close(): Promise<void>;
}

export async function startPageTour(): Promise<PageTour> {
  const storage = await openTestStorage();
  const clock = new FixedClock(new Date());
  const gw = await startTestGateway({
    storage,
    policy: {
      access: { default: 'two_factor' },
      factors: { email_otp: { enabled: true, roles: ['*'] } },
      recovery: { self_service_password_reset: true },
      rate_limits: {
        assistance: { per_ip: '100/1h', per_email: '100/1h' }, login: { max_retries: 100, find_time: '2m', ban_time: '5m' },
        // Per address, as shipped (answeredPages reaches its limit); the tour's own visits all come from one IP.
        password_forgot: { per_ip: '100/1h', per_email: '3/1h' },
      },
      // Ada owes a new set of backup codes within a week: the re-enrolment page has something to show.
      reenrollment: [{ on: 'backup_code_used', require: 'regenerate_backup_codes', within: '7d' }],
    },
  });
  try {
    const ada = await gw.addUser({ email: 'ada@example.com', password: TOUR_PASSWORD, name: 'Ada Lovelace', type: 'employee' });
    await seedTotp(storage, ada, clock);
    const policyDeps = { policies: gw.running.policies, config: gw.config, clock };
    await storage.db.transaction((tx) => fireReenrollmentTrigger(tx, policyDeps, { userId: ada, trigger: 'backup_code_used', role: 'user', type: 'employee', now: clock.now() }));
    // A set waiting to be shown: the first visit of the backup-codes page shows the codes once.
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, policyDeps, ada, 'system', null));
    await gw.addUser({ email: 'admin@example.com', password: TOUR_PASSWORD, name: 'Grace Admin', role: 'super_admin', type: 'employee' });
    for (const [email, type, message] of [
      ['ada@example.com', 'lost_2fa', 'New phone, the authenticator app did not move over.'],
      ['bob@example.com', 'locked_out', 'Locked out after the holidays.'],
    ] as const) {
      const client = new TestClient(gw.url);
      await client.page(`${P}/assist`);
      await client.postForm(`${P}/assist`, { email, type, message });
    }
    await gw.running.assistance.poke();

    const passwordOnly = new TestClient(gw.url);
    await passwordOnly.signIn('ada@example.com', TOUR_PASSWORD);
    const user = new TestClient(gw.url);
    await user.signIn('ada@example.com', TOUR_PASSWORD);
    await stepUpClient(gw, user);
    const admin = new TestClient(gw.url);
    await admin.signIn('admin@example.com', TOUR_PASSWORD);
    await stepUpClient(gw, admin);
    // An invitation: its link opens the page where a new user chooses a password.
    await admin.page(`${P}/admin/users/new`);
    await admin.postForm(`${P}/admin/users`, { email: 'new@example.com', name: 'New Person', role: 'user', type: 'user' });
    const [invitation] = await deliveredEmails(gw, eq(outbox.recipient, 'new@example.com'));
    const invitationToken = /token=([A-Za-z0-9_-]+)/.exec(invitation!.text)![1]!;
    const [request] = await storage.db.select({ reference: assistanceRequests.reference }).from(assistanceRequests).where(eq(assistanceRequests.submittedEmail, 'ada@example.com'));

    const pages: TourPage[] = [
      { name: 'sign-in', path: `${P}/login`, as: 'anonymous' },
      { name: 'assist', path: `${P}/assist`, as: 'anonymous' },
      { name: 'recovery-code-without-password', path: `${P}/2fa/recovery-code`, as: 'anonymous' },
      { name: 'password-forgot', path: `${P}/password/forgot`, as: 'anonymous' },
      { name: 'link-expired', path: `${P}/password/reset?token=expired`, as: 'anonymous' },
      { name: 'set-password', path: `${P}/password/reset?token=${invitationToken}`, as: 'anonymous' },
      { name: 'not-found', path: `${P}/nothing-here`, as: 'anonymous' },
      { name: 'challenge', path: `${P}/2fa`, as: 'password_only' },
      { name: 'backup-code', path: `${P}/2fa/backup-code`, as: 'password_only' },
      { name: 'email-otp', path: `${P}/2fa/email-otp`, as: 'password_only' },
      { name: 'recovery-code', path: `${P}/2fa/recovery-code`, as: 'password_only' },
      { name: 'account', path: `${P}/account`, as: 'user' },
      { name: 'enroll', path: `${P}/enroll`, as: 'user' },
      { name: 'backup-codes', path: `${P}/backup-codes`, as: 'user' },
      { name: 'reenroll', path: `${P}/reenroll`, as: 'user' },
      { name: 'admin-overview', path: `${P}/admin`, as: 'admin' },
      { name: 'admin-requests', path: `${P}/admin/requests`, as: 'admin' },
      { name: 'admin-request', path: `${P}/admin/requests/${request!.reference}`, as: 'admin' },
      { name: 'admin-request-cancel', path: `${P}/admin/requests/${request!.reference}/confirm/cancel`, as: 'admin' },
      { name: 'admin-users', path: `${P}/admin/users`, as: 'admin' },
      { name: 'admin-user', path: `${P}/admin/users/${ada}`, as: 'admin' },
      { name: 'admin-user-new', path: `${P}/admin/users/new`, as: 'admin' },
      { name: 'admin-backup-codes', path: `${P}/admin/backup-codes`, as: 'admin' },
      { name: 'admin-audit', path: `${P}/admin/audit`, as: 'admin' },
      { name: 'admin-policies', path: `${P}/admin/policies`, as: 'admin' },
      { name: 'admin-settings', path: `${P}/admin/settings`, as: 'admin' },
    ];
    return {
      gw, pages,
      cookies: { anonymous: new Map(), password_only: passwordOnly.cookies, user: user.cookies, admin: admin.cookies },
      async close() {
        await gw.close();
        await storage.close();
      },
    };
  } catch (error) {
    await gw.close();
    await storage.close();
    throw error;
  }
}

export interface AnsweredPage {
  name: string;
  /** The status the page is answered with. */
  status: number;
  /** Cookies the browser needs besides its own (a password-only session). */
  cookies: Map<string, string>;
  /** Fills and posts the form in `page`; returns the status of the page it lands on. */
  reach(page: Page): Promise<number | undefined>;
}

/** Posts the form `selector` (after `prepare`) and waits for the page it leads to. */
async function post(page: Page, selector: string, prepare: () => Promise<void> = async () => {}): Promise<number | undefined> {
  await prepare();
  const [res] = await Promise.all([page.waitForNavigation(), page.click(`${selector} button[type=submit]`)]);
  return res?.status();
}

/** The form's token replaced, as after the cookie behind it was cleared: the form "expired". */
const expire = (page: Page, selector: string) => page.locator(`${selector} input[name=_csrf]`).evaluate((input) => { (input as HTMLInputElement).value = 'expired'; });

/**
 * The pages a person reaches only by posting a form, each reached afresh (call once per sweep;
 * `tag` keeps the addresses of one sweep apart from another's, since their limits count per address).
 */
export async function answeredPages(tour: PageTour, tag: string): Promise<AnsweredPage[]> {
  const { gw } = tour;
  const base = gw.url;
  const limited = `limited-${tag.toLowerCase()}@example.com`;
  // password_forgot.per_email is 3/1h: three requests spend it, the browser's is the fourth.
  const spender = new TestClient(base);
  await spender.page(`${P}/password/forgot`);
  for (let i = 0; i < 3; i++) await spender.postForm(`${P}/password/forgot`, { email: limited });
  const passwordOnly = new TestClient(base);
  await passwordOnly.signIn('ada@example.com', TOUR_PASSWORD);
  const none = new Map<string, string>();
  return [
    {
      name: 'sign-in-expired', status: 403, cookies: none,
      reach: async (page) => {
        await page.goto(`${base}${P}/login`);
        return post(page, `form[action="${P}/login"]`, async () => {
          await page.fill('#email', 'ada@example.com');
          await page.fill('#password', 'typed before the form expired');
          await expire(page, `form[action="${P}/login"]`);
        });
      },
    },
    {
      name: 'assist-expired', status: 403, cookies: none,
      reach: async (page) => {
        await page.goto(`${base}${P}/assist`);
        return post(page, `form[action="${P}/assist"]`, async () => {
          await page.fill('#email', 'ada@example.com');
          await expire(page, `form[action="${P}/assist"]`);
        });
      },
    },
    {
      name: 'password-forgot-sent', status: 200, cookies: none,
      reach: async (page) => {
        await page.goto(`${base}${P}/password/forgot`);
        return post(page, `form[action="${P}/password/forgot"]`, () => page.fill('#email', `someone-${tag.toLowerCase()}@example.com`));
      },
    },
    {
      name: 'password-forgot-rate-limited', status: 429, cookies: none,
      reach: async (page) => {
        await page.goto(`${base}${P}/password/forgot`);
        return post(page, `form[action="${P}/password/forgot"]`, () => page.fill('#email', limited));
      },
    },
    {
      name: 'email-otp-sent', status: 200, cookies: passwordOnly.cookies,
      reach: async (page) => {
        await page.goto(`${base}${P}/2fa/email-otp`);
        return post(page, `form[action="${P}/2fa/email-otp/send"]`);
      },
    },
  ];
}
