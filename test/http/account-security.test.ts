// Change password and remove the authenticator app from the account page (issue 29 item 1): both
// need a second factor passed within the last 10 minutes, check what they must (the current
// password, behind login regulation), end the other sessions where the password changed, and are
// audited (`password.changed`, `totp.removed`).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, totpFactors } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';
import { P, PASSWORD } from './admin-support.js';
import { seedTotp } from './totp-support.js';

const NEW_PASSWORD = 'a different passphrase 7';
const clock = new FixedClock('2026-05-05T10:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: { access: { default: 'two_factor' }, rate_limits: { login: { max_retries: 3, find_time: '2m', ban_time: '5m' } } } });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

async function fullSession(email: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  await stepUpClient(gw, client);
  await client.page(`${P}/account`);
  return client;
}

const audited = async (event: string, userId: string) =>
  storage.db.select().from(auditLog).where(and(eq(auditLog.event, event), eq(auditLog.userId, userId)));

describe('change password', () => {
  it('checks the current password, sets the new one, signs out the other browsers and keeps this one', async () => {
    const userId = await gw.addUser({ email: 'pam@example.com', password: PASSWORD });
    await seedTotp(storage, userId, clock);
    const other = await fullSession('pam@example.com');
    const me = await fullSession('pam@example.com');
    expect((await me.page(`${P}/account`)).html).toContain(`action="${P}/account/password"`);

    const wrong = await me.postForm(`${P}/account/password`, { current_password: 'not it', new_password: NEW_PASSWORD });
    expect(wrong.headers.get('location')).toBe(`${P}/account?error=wrong-password#password`);
    expect((await me.page(`${P}/account?error=wrong-password`)).html).toContain('Your current password was not right.');

    const res = await me.postForm(`${P}/account/password`, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.headers.get('location')).toBe(`${P}/account?notice=password-changed`);
    expect((await me.request(`${P}/account`)).status).toBe(200);
    expect((await other.request(`${P}/account`)).status).toBe(302);
    expect((await new TestClient(gw.url).signIn('pam@example.com', PASSWORD)).status).toBe(401);
    expect((await new TestClient(gw.url).signIn('pam@example.com', NEW_PASSWORD)).status).toBe(303);
    const [row] = await audited('password.changed', userId);
    expect(row?.details).toEqual({ sessions_revoked: 1 });
  });

  it('needs a second factor passed within the last 10 minutes', async () => {
    const userId = await gw.addUser({ email: 'quin@example.com', password: PASSWORD });
    await seedTotp(storage, userId, clock);
    const me = await fullSession('quin@example.com');
    clock.advance(11 * 60_000);
    const res = await me.postForm(`${P}/account/password`, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(res.status).not.toBe(303);
    expect(await res.text()).toContain('second factor');
    expect(await audited('password.changed', userId)).toHaveLength(0);
  });

  it('a too-short new password changes nothing', async () => {
    await gw.addUser({ email: 'ray@example.com', password: PASSWORD });
    const me = await fullSession('ray@example.com');
    const res = await me.postForm(`${P}/account/password`, { current_password: PASSWORD, new_password: 'short' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('at least 8 characters');
    expect((await new TestClient(gw.url).signIn('ray@example.com', PASSWORD)).status).toBe(303);
  });
});

describe('remove the authenticator app', () => {
  it('removes it with a fresh second factor, audited; a stale one is asked to step up', async () => {
    const userId = await gw.addUser({ email: 'sal@example.com', password: PASSWORD });
    await seedTotp(storage, userId, clock);
    const me = await fullSession('sal@example.com');
    expect((await me.page(`${P}/account`)).html).toContain(`action="${P}/account/totp/remove"`);
    clock.advance(11 * 60_000);
    expect((await me.postForm(`${P}/account/totp/remove`, {})).status).not.toBe(303);
    expect(await storage.db.select().from(totpFactors).where(eq(totpFactors.userId, userId))).toHaveLength(1);

    await stepUpClient(gw, me);
    const res = await me.postForm(`${P}/account/totp/remove`, {});
    expect(res.headers.get('location')).toBe(`${P}/account?notice=totp-removed`);
    expect(await storage.db.select().from(totpFactors).where(eq(totpFactors.userId, userId))).toHaveLength(0);
    expect((await audited('totp.removed', userId))[0]?.details).toEqual({ removed: 1 });
  });
});
