/**
 * Self-service password reset (issue 29 item 2, CONTRACT §8.4), through the real server: off by
 * default; when `recovery.self_service_password_reset` is on, "Forgot your password?" mails a
 * single-use link, with the same answer for an address no account has; the requests are rate
 * limited per address and per email; the link sets a new password and ends every session, and
 * the next sign-in still asks for the second factor.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { deliveredEmail } from '../support/mailbox.js';
import { openTestStorage } from '../support/storage.js';
import { P, PASSWORD } from './admin-support.js';
import { seedTotp } from './totp-support.js';

const NEW_PASSWORD = 'a brand new passphrase 42';
const clock = new FixedClock('2026-03-01T09:00:00Z');
const POLICY = {
  access: { default: 'two_factor' },
  recovery: { self_service_password_reset: true },
  rate_limits: { password_forgot: { per_ip: '4/1h', per_email: '2/1h' } },
};
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let off: TestGateway;
let patId = '';

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: POLICY, config: { server: { trust_proxy: ['127.0.0.1/32'] } } });
  off = await startTestGateway({ storage, clock, policy: { access: { default: 'two_factor' } } });
  patId = await gw.addUser({ email: 'pat@example.com', password: PASSWORD, name: 'Pat' });
});
afterAll(async () => {
  await gw?.close();
  await off?.close();
  await storage?.close();
});

async function ask(email: string, ip: string) {
  const client = new TestClient(gw.url);
  await client.page(`${P}/password/forgot`);
  const res = await client.postForm(`${P}/password/forgot`, { email }, { 'x-forwarded-for': ip });
  return { res, html: await res.text() };
}
const withoutCsrf = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');

describe('off by default', () => {
  it('no link on the sign-in page, and the page is not there', async () => {
    const client = new TestClient(off.url);
    expect((await client.page(`${P}/login`)).html).not.toContain('/password/forgot');
    expect((await client.page(`${P}/password/forgot`)).res.status).toBe(404);
  });
});

describe('Forgot your password?', () => {
  it('the same answer for an account and for an address no account has; only the account gets mail', async () => {
    const client = new TestClient(gw.url);
    expect((await client.page(`${P}/login`)).html).toContain(`<a href="${P}/password/forgot">Forgot your password?</a>`);
    const known = await ask('Pat@Example.com', '198.51.100.1');
    const unknown = await ask('nobody@example.com', '198.51.100.2');
    expect(known.res.status).toBe(200);
    expect(unknown.res.status).toBe(200);
    expect(known.html).toContain('Check your email');
    expect(withoutCsrf(known.html)).toBe(withoutCsrf(unknown.html));

    const mail = await deliveredEmail(gw, eq(outbox.kind, 'password_forgot'));
    expect(mail.to).toBe('pat@example.com');
    expect(mail.text).toContain('second factor');
    const rows = async () => (await storage.db.select().from(auditLog).where(eq(auditLog.event, 'password.reset_requested')));
    await expect.poll(async () => (await rows()).length).toBe(2);
    const audited = await rows();
    expect(audited.find((row) => row.userId === patId)!.details).toMatchObject({ sent: true });
    expect(audited.find((row) => row.userId === null)!.details).toMatchObject({ sent: false, why: 'no_account' });
  });

  it('is limited per email and per address, with how long to wait, the same for every address', async () => {
    expect((await ask('lim@example.com', '198.51.100.10')).res.status).toBe(200);
    expect((await ask('LIM@example.com', '198.51.100.11')).res.status).toBe(200);
    const third = await ask('lim@example.com', '198.51.100.12');
    expect(third.res.status).toBe(429);
    expect(third.html).toMatch(/Too many requests\. Try again in \d+ (minutes?|hours?)\./);
    expect(third.res.headers.get('retry-after')).toMatch(/^\d+$/);
    for (let i = 0; i < 4; i++) expect((await ask(`x${i}@example.com`, '198.51.100.20')).res.status).toBe(200);
    expect((await ask('x9@example.com', '198.51.100.20')).res.status).toBe(429);
  });

  it('the link sets a new password and ends every session; the next sign-in still asks for the second factor', async () => {
    const secret = await seedTotp(storage, patId, clock);
    const elsewhere = new TestClient(gw.url);
    expect((await elsewhere.signIn('pat@example.com', PASSWORD)).status).toBe(303);
    const mail = await deliveredEmail(gw, eq(outbox.kind, 'password_forgot'));
    const link = new URL(/https?:\/\/\S+\/password\/reset\?token=[A-Za-z0-9_-]+/.exec(mail.text)![0]);
    const token = link.searchParams.get('token')!;
    const visitor = new TestClient(gw.url);
    expect((await visitor.page(`${P}/password/reset?token=${token}`)).res.status).toBe(200);
    const set = await visitor.postForm(`${P}/password/reset`, { token, password: NEW_PASSWORD });
    expect(set.status).toBe(303);
    expect((await elsewhere.request('/')).status).toBe(302);

    const pat = new TestClient(gw.url);
    expect((await pat.signIn('pat@example.com', NEW_PASSWORD)).status).toBe(303);
    expect((await pat.request('/')).headers.get('location')).toMatch(new RegExp(`^${P}/2fa`));
    await pat.page(`${P}/2fa`);
    expect((await pat.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: '/' })).status).toBe(303);
    // Spent: the link does nothing a second time.
    expect((await visitor.page(`${P}/password/reset?token=${token}`)).res.status).toBe(400);
  });
});
