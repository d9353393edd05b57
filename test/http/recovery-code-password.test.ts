/**
 * The recovery code also resets a forgotten password (issue 28 item 6, CONTRACT §8.4), through the
 * real server: from the sign-in page's link, the email and the code; a holder who kept the second
 * factor chooses a new password and signs in with it and the factor; one who lost both enrols a new
 * factor first in a restricted session, then chooses the password, then signs in with both. The
 * code is spent, the request completed, and sessions elsewhere end.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, recoveryCodes } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { insertRequest, P, PASSWORD } from './admin-support.js';
import { secretOnPage, seedTotp } from './totp-support.js';

const NEW_PASSWORD = 'a brand new passphrase 42';
const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
const ids: Record<string, string> = {};

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: { access: { default: 'two_factor' } } });
  ids.pat = await gw.addUser({ email: 'pat@example.com', password: PASSWORD, name: 'Pat' });
  ids.lou = await gw.addUser({ email: 'lou@example.com', password: PASSWORD, name: 'Lou' });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

/** A code an administrator issued for the account's open request. */
async function codeFor(userId: string, email: string): Promise<{ code: string; reference: string }> {
  const reference = await insertRequest(storage, clock, { userId, email, status: 'approved' });
  const [request] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
  const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: request!.id, issuedBy: null, now: clock.now(), ttlMs: 3_600_000 }));
  return { code: issued.code, reference };
}

const statusOf = async (reference: string) => (await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)))[0]!.status;

async function setPassword(client: TestClient, location: string): Promise<void> {
  const token = new URL(location, gw.url).searchParams.get('token')!;
  const form = await client.page(`${P}/password/reset?token=${token}`);
  expect(form.res.status).toBe(200);
  const set = await client.postForm(`${P}/password/reset`, { token, password: NEW_PASSWORD });
  expect(set.status).toBe(303);
  expect(set.headers.get('location')).toBe(`${P}/login?notice=password-set`);
}

describe('from the sign-in page, without a password', () => {
  it('the sign-in page links to the code page, which asks for the email, the code and what was lost', async () => {
    const visitor = new TestClient(gw.url);
    expect((await visitor.page(`${P}/login`)).html).toContain(`<a href="${P}/2fa/recovery-code">Have a recovery code?</a>`);
    const { res, html } = await visitor.page(`${P}/2fa/recovery-code`);
    expect(res.status).toBe(200);
    expect(html).toContain('name="email"');
    expect(html).toContain('name="lost" value="password" checked');
    expect(html).toContain('name="lost" value="both"');
  });

  it('kept the second factor: the code leads to a new password, then sign-in with it and the factor; other sessions end', async () => {
    const secret = await seedTotp(storage, ids.pat!, clock);
    const elsewhere = new TestClient(gw.url);
    expect((await elsewhere.signIn('pat@example.com', PASSWORD)).status).toBe(303);
    const { code, reference } = await codeFor(ids.pat!, 'pat@example.com');
    const visitor = new TestClient(gw.url);
    await visitor.page(`${P}/2fa/recovery-code`);
    const res = await visitor.postForm(`${P}/2fa/recovery-code`, { email: 'PAT@example.com', code: code.toLowerCase(), lost: 'password', rd: '/' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${P}/password/reset\\?token=[A-Za-z0-9_-]+$`));
    // No session comes with it: the second factor is still needed to sign in.
    expect(res.headers.getSetCookie().some((cookie) => cookie.startsWith(`${gw.config.session.cookie_name}=`) && !/max-age=0/i.test(cookie))).toBe(false);
    expect((await elsewhere.request('/')).status).toBe(302);
    expect((await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, ids.pat!)))[0]!.usedAt).not.toBeNull();
    expect(await statusOf(reference)).toBe('completed');
    // Spent: the same code does nothing a second time.
    const again = await visitor.postForm(`${P}/2fa/recovery-code`, { email: 'pat@example.com', code, lost: 'password', rd: '/' });
    expect(again.status).toBe(401);

    await setPassword(visitor, location);
    const pat = new TestClient(gw.url);
    expect((await pat.signIn('pat@example.com', NEW_PASSWORD)).status).toBe(303);
    expect((await pat.request('/')).headers.get('location')).toMatch(new RegExp(`^${P}/2fa`));
    await pat.page(`${P}/2fa`);
    const factor = await pat.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: '/' });
    expect(factor.status).toBe(303);
    expect((await pat.request('/')).status).toBe(200);
  });

  it('lost both: a new factor first in a restricted session, then the password, then sign-in with both', async () => {
    await seedTotp(storage, ids.lou!, clock);
    const { code, reference } = await codeFor(ids.lou!, 'lou@example.com');
    const lou = new TestClient(gw.url);
    await lou.page(`${P}/2fa/recovery-code`);
    const res = await lou.postForm(`${P}/2fa/recovery-code`, { email: 'lou@example.com', code, lost: 'both', rd: '/' });
    expect(res.status).toBe(303);
    const enrol = res.headers.get('location')!;
    expect(enrol).toMatch(new RegExp(`^${P}/enroll\\?rd=`));
    const reset = new URL(enrol, gw.url).searchParams.get('rd')!;
    expect(reset).toMatch(new RegExp(`^${P}/password/reset\\?token=`));
    expect(await statusOf(reference)).toBe('completed');
    // The restricted session reaches nothing but enrolment.
    expect((await lou.request('/')).headers.get('location')).toMatch(new RegExp(`^${P}/enroll`));

    clock.advance(60_000);
    const { html } = await lou.page(enrol);
    const secret = secretOnPage(html);
    const factor = /name="factor" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const enrolled = await lou.postForm(`${P}/enroll/totp`, { code: generateTotpCode(secret, clock.nowMs()), factor, rd: reset });
    expect(enrolled.status).toBe(303);
    // On to the password (perhaps by way of the new backup codes, shown once).
    const next = enrolled.headers.get('location')!;
    expect(next === reset || next.startsWith(`${P}/backup-codes?rd=${encodeURIComponent(reset)}`)).toBe(true);

    await setPassword(lou, reset);
    const again = new TestClient(gw.url);
    expect((await again.signIn('lou@example.com', NEW_PASSWORD)).status).toBe(303);
    expect((await again.request('/')).headers.get('location')).toMatch(new RegExp(`^${P}/2fa`));
    await again.page(`${P}/2fa`);
    clock.advance(30_000);
    expect((await again.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: '/' })).status).toBe(303);
    expect((await again.request('/')).status).toBe(200);
  });
});
