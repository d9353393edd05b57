import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { P, seedTotp, wrongCode } from './totp-support.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-02T14:00:05Z');
const secrets: Record<string, string> = {};
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({
    storage, upstream: upstream.url, clock,
    policy: {
      access: { default: 'two_factor' },
      factors: { backup_codes: { roles: ['employee'] }, email_otp: { enabled: true, roles: ['customer'] } },
      rate_limits: { second_factor: { max_failures: 3 } },
    },
  });
  await gw.addUser({ email: 'newbie@example.com', password: PASSWORD });
  const employee = await gw.addUser({ email: 'erin@example.com', password: PASSWORD, name: 'Erin', role: 'admin', type: 'employee' });
  const customer = await gw.addUser({ email: 'cody@example.com', password: PASSWORD, type: 'customer' });
  secrets.erin = await seedTotp(storage, employee, clock);
  secrets.cody = await seedTotp(storage, customer, clock);
  secrets.gus = await seedTotp(storage, await gw.addUser({ email: 'gus@example.com', password: PASSWORD }), clock);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

async function signedIn(email: string): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  return client;
}

describe('two_factor policy through the real proxy', () => {
  it('a password-only session is sent to P/2fa and never reaches the upstream', async () => {
    const client = await signedIn('erin@example.com');
    for (const path of ['/reports', '/api/data?x=1']) {
      const res = await client.request(path, { headers: { 'remote-user': 'admin', 'remote-groups': 'super_admin' } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${gw.url}${path}`)}`);
    }
    expect((await client.request('/reports', { method: 'POST', body: 'x' })).status).toBe(302);
    expect(upstream.seen).toHaveLength(0);
  });

  it('a user without a second factor goes from P/2fa to enrolment', async () => {
    const client = await signedIn('newbie@example.com');
    const app = await client.request('/reports');
    const challenge = app.headers.get('location')!;
    expect(challenge).toBe(`${P}/2fa?rd=${encodeURIComponent(`${gw.url}/reports`)}`);
    const toEnrol = await client.request(challenge);
    expect(toEnrol.status).toBe(302);
    expect(toEnrol.headers.get('location')).toBe(`${P}/enroll?rd=${encodeURIComponent(`${gw.url}/reports`)}`);
    const { res, html } = await client.page(toEnrol.headers.get('location')!);
    expect(res.status).toBe(200);
    expect(html).toContain('id="totp-secret"');
    expect(html).toContain(`name="rd" value="${gw.url}/reports"`);
    expect(upstream.seen).toHaveLength(0);
  });

  it('refuses a wrong code with 401 and stays away from the upstream', async () => {
    const client = await signedIn('erin@example.com');
    await client.page(`${P}/2fa`);
    const res = await client.postForm(`${P}/2fa/totp`, { code: wrongCode(secrets.erin!, clock.nowMs()), rd: `${gw.url}/reports` });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('That code is not valid. Codes change every 30 seconds.');
    expect((await client.request('/reports')).status).toBe(302);
    expect(upstream.seen).toHaveLength(0);
  });

  it('after TOTP the upstream is reached with Remote-Groups reflecting role and type', async () => {
    const client = await signedIn('erin@example.com');
    const before = client.cookies.get('recourse_session');
    const rd = `${gw.url}/reports`;
    const { res } = await client.page(`${P}/2fa?rd=${encodeURIComponent(rd)}`);
    expect(res.status).toBe(200);
    const passed = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secrets.erin!, clock.nowMs()), rd });
    expect(passed.status).toBe(303);
    expect(passed.headers.get('location')).toBe(rd);
    expect(client.cookies.get('recourse_session')).not.toBe(before);
    expect((await client.request('/reports')).status).toBe(200);
    const seen = upstream.last()!;
    expect(seen.headers['remote-groups']).toBe('admin,employee');
    expect(seen.headers['remote-email']).toBe('erin@example.com');
    // Already stepped up: the challenge page sends the browser straight on.
    const again = await client.request(`${P}/2fa?rd=${encodeURIComponent(rd)}`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe(rd);
  });

  it('an rd to a foreign host is not followed after the second factor', async () => {
    clock.advance(30_000);
    const client = await signedIn('erin@example.com');
    await client.page(`${P}/2fa`);
    const res = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secrets.erin!, clock.nowMs()), rd: 'https://evil.example/' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });

  it('lists only the recovery ways the policy allows for the user', async () => {
    const customer = await signedIn('cody@example.com');
    const forCustomer = (await customer.page(`${P}/2fa`)).html;
    expect(forCustomer).toContain(`action="${P}/2fa/totp"`);
    expect(forCustomer).toContain('Lost your second factor?');
    expect(forCustomer).not.toContain(`${P}/2fa/backup-code`);
    expect(forCustomer).toContain(`action="${P}/2fa/email-otp/send"`);
    expect(forCustomer).toContain(`href="${P}/assist"`);

    const employee = await signedIn('erin@example.com');
    const forEmployee = (await employee.page(`${P}/2fa`)).html;
    expect(forEmployee).toContain(`href="${P}/2fa/backup-code?rd=%2F"`);
    expect(forEmployee).not.toContain(`${P}/2fa/email-otp/send`);
    expect(forEmployee).toContain(`href="${P}/assist"`);
  });

  it('after too many wrong codes the account is blocked: 429, even for the right code', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const client = await signedIn('gus@example.com');
      await client.page(`${P}/2fa`);
      statuses.push((await client.postForm(`${P}/2fa/totp`, { code: wrongCode(secrets.gus!, clock.nowMs()), rd: '/' })).status);
    }
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
    const client = await signedIn('gus@example.com');
    await client.page(`${P}/2fa`);
    const blocked = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secrets.gus!, clock.nowMs()), rd: '/' });
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many wrong codes for this account.');
    expect((await client.request('/reports')).status).toBe(302);
  });

  it('an anonymous visitor is sent to sign in first', async () => {
    const res = await fetch(`${gw.url}${P}/2fa?rd=%2Freports`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent(`${P}/2fa?rd=${encodeURIComponent('/reports')}`)}`);
  });
});
