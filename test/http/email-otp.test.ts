import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, emailOtps, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { deliveredEmails } from '../support/mailbox.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
// Only employees may use email codes here, so a customer shows the `roles` check.
const POLICY = {
  access: { default: 'two_factor' },
  factors: { email_otp: { enabled: true, roles: ['employee'] } },
  // Generous, so that the many sends of this file from one IP stay under the limit; the limit
  // itself is tested on a gateway of its own below.
  rate_limits: { email_otp_send: { per_user: '1000/1h' } },
};

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
const clock = new FixedClock('2026-03-01T09:00:00Z');
let users = 0;

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock, policy: POLICY });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** A fresh employee per test, so no test sees another's codes. */
async function newUser(type: 'employee' | 'customer' = 'employee', on: TestGateway = gw): Promise<{ id: string; email: string }> {
  users += 1;
  const email = `user${users}-${type}@example.com`;
  const id = await on.addUser({ email, password: PASSWORD, type, name: `User ${users}` });
  return { id, email };
}

async function signedIn(email: string, on: TestGateway = gw): Promise<{ client: TestClient; rd: string }> {
  const client = new TestClient(on.url);
  const rd = `${on.url}/reports`;
  expect((await client.signIn(email, PASSWORD, rd)).status).toBe(303);
  const { res } = await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
  expect(res.status).toBe(200);
  return { client, rd };
}

async function outboxIds(email: string, on: TestGateway = gw): Promise<Set<string>> {
  const rows = await on.storage.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.recipient, email));
  return new Set(rows.map((row) => row.id));
}

/** Asks for a code through the page and reads it from the one new message in the mailbox. */
async function sendCode(client: TestClient, email: string, rd: string): Promise<{ code: string; html: string }> {
  const before = await outboxIds(email);
  const res = await client.postForm(`${P}/2fa/email-otp/send`, { rd });
  const html = await res.text();
  expect(res.status).toBe(200);
  const rows = (await deliveredEmails(gw, eq(outbox.recipient, email), { atLeast: before.size + 1 })).filter((row) => !before.has(row.id));
  expect(rows).toHaveLength(1);
  expect(rows[0]!.kind).toBe('email_otp');
  expect(rows[0]!.subject).toContain('Recourse');
  const code = /code is:\s+(\d{6})\s/.exec(rows[0]!.text)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  return { code: code!, html };
}

function submit(client: TestClient, code: string, rd: string): Promise<Response> {
  return client.postForm(`${P}/2fa/email-otp`, { code, rd });
}

function otherCode(code: string, k: number): string {
  return String((Number(code) + k) % 1_000_000).padStart(6, '0');
}

async function auditOf(userId: string, event: string) {
  return gw.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)));
}

describe('email one-time codes', () => {
  it('emails a code to the registered address; accepted at 9:59, it signs in to the upstream', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    expect((await client.request('/reports')).status).toBe(302);
    const { code, html } = await sendCode(client, user.email, rd);
    expect(html).toContain('We sent a 6-digit code to u•••@example.com');
    expect(html).toContain('name="code"');
    // A reload shows the entry page again and sends nothing.
    const before = await outboxIds(user.email);
    const reload = await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
    expect(reload.html).toContain('Enter the 6-digit code we sent to u•••@example.com');
    expect(await outboxIds(user.email)).toEqual(before);

    clock.advance(9 * MINUTE + 59_000);
    const res = await submit(client, code.slice(0, 3) + ' ' + code.slice(3), rd);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(rd);
    const page = await client.request('/reports');
    expect(page.status).toBe(200);
    expect(upstream.last()!.headers['remote-email']).toBe(user.email);

    const [sent] = await auditOf(user.id, 'email_otp.sent');
    const [used] = await auditOf(user.id, 'email_otp.used');
    expect(sent).toBeDefined();
    expect(used!.details).toMatchObject({ trigger: 'email_otp_used' });
    expect(JSON.stringify([sent, used])).not.toContain(code);
    const [row] = await gw.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, user.id));
    expect(row!.usedAt).not.toBeNull();
    expect(row!.codeHash).not.toContain(code);
  });

  it('refuses a code at 10:01', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    const { code } = await sendCode(client, user.email, rd);
    clock.advance(10 * MINUTE + 1_000);
    const res = await submit(client, code, rd);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('That code did not work.');
    expect((await client.request('/reports')).status).toBe(302);
    const failures = await auditOf(user.id, 'second_factor.failed');
    expect(failures.map((f) => f.details)).toContainEqual({ method: 'email_otp', reason: 'expired' });
  });

  it('a resend voids the earlier code', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    const first = await sendCode(client, user.email, rd);
    let second = await sendCode(client, user.email, rd);
    while (second.code === first.code) second = await sendCode(client, user.email, rd);
    expect((await submit(client, first.code, rd)).status).toBe(401);
    const rows = await gw.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, user.id));
    expect(rows.filter((row) => row.voidedAt === null)).toHaveLength(1);
    expect((await submit(client, second.code, rd)).status).toBe(303);
  });

  it('voids a code after 5 wrong tries; the right code is then refused', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    const { code } = await sendCode(client, user.email, rd);
    for (let k = 1; k <= 5; k += 1) expect((await submit(client, otherCode(code, k), rd)).status).toBe(401);
    expect((await submit(client, code, rd)).status).toBe(401);
    const [row] = await gw.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, user.id));
    expect(row!.attempts).toBe(5);
    expect(row!.voidedAt).not.toBeNull();
    expect(row!.usedAt).toBeNull();
  });

  it('still accepts the right code after 4 wrong tries', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    const { code } = await sendCode(client, user.email, rd);
    for (let k = 1; k <= 4; k += 1) expect((await submit(client, otherCode(code, k), rd)).status).toBe(401);
    expect((await submit(client, code, rd)).status).toBe(303);
  });

  it('refuses malformed input without counting it against the code', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    const { code } = await sendCode(client, user.email, rd);
    for (const junk of ['12345', 'abcdef', '12345678901', '１２３４５６']) expect((await submit(client, junk, rd)).status).toBe(400);
    const [row] = await gw.storage.db.select().from(emailOtps).where(eq(emailOtps.userId, user.id));
    expect(row!.attempts).toBe(0);
    expect((await submit(client, code, rd)).status).toBe(303);
  });

  it('binds the code to the sign-in attempt: session B of the same user cannot use the code sent to A', async () => {
    const user = await newUser();
    const a = await signedIn(user.email);
    const b = await signedIn(user.email);
    const { code } = await sendCode(a.client, user.email, a.rd);
    expect((await submit(b.client, code, b.rd)).status).toBe(401);
    expect((await b.client.request('/reports')).status).toBe(302);
    expect((await submit(a.client, code, a.rd)).status).toBe(303);
  });

  it('answers without a session by sending to the sign-in page', async () => {
    const client = new TestClient(gw.url);
    const res = await client.request(`${P}/2fa/email-otp?rd=%2Freports`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${P}/login?rd=${encodeURIComponent('/reports')}`);
  });

  it('is not offered to a role or type outside `roles`', async () => {
    const user = await newUser('customer');
    const client = new TestClient(gw.url);
    await client.signIn(user.email, PASSWORD, '/reports');
    expect((await client.page(`${P}/2fa/email-otp`)).res.status).toBe(404);
    await client.page(`${P}/login`);
    expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd: '/reports' })).status).toBe(404);
    expect((await client.postForm(`${P}/2fa/email-otp`, { code: '123456', rd: '/reports' })).status).toBe(404);
    expect(await outboxIds(user.email)).toEqual(new Set());
  });

  it('has no route when the policy turns it off', async () => {
    const user = await newUser();
    const { client, rd } = await signedIn(user.email);
    gw.writePolicy({ ...POLICY, factors: { email_otp: { enabled: false } } });
    expect((await gw.running.policies.reload()).ok).toBe(true);
    try {
      expect((await client.page(`${P}/2fa/email-otp`)).res.status).toBe(404);
      await client.page(`${P}/login`);
      expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd })).status).toBe(404);
      expect(await outboxIds(user.email)).toEqual(new Set());
    } finally {
      gw.writePolicy(POLICY);
      expect((await gw.running.policies.reload()).ok).toBe(true);
    }
  });
});

describe('email code send limit', () => {
  let limited: TestGateway;
  let limitedStorage: Awaited<ReturnType<typeof openTestStorage>>;

  beforeAll(async () => {
    limitedStorage = await openTestStorage();
    limited = await startTestGateway({
      storage: limitedStorage, upstream: upstream.url,
      policy: { ...POLICY, rate_limits: { email_otp_send: { per_user: '2/1h' } } },
    });
  });
  afterAll(async () => {
    await limited?.close();
    await limitedStorage?.close();
  });

  async function send(client: TestClient, rd: string): Promise<Response> {
    return client.postForm(`${P}/2fa/email-otp/send`, { rd });
  }

  it('answers 429 past policy per_user, per user and then per IP', async () => {
    const x = await newUser('employee', limited);
    const { client, rd } = await signedIn(x.email, limited);
    expect((await send(client, rd)).status).toBe(200);
    expect((await send(client, rd)).status).toBe(200);
    const third = await send(client, rd);
    expect(third.status).toBe(429);
    expect(await third.text()).toMatch(/Too many codes requested\. Try again in \d+ (minutes?|hours?)\./);
    expect(await outboxIds(x.email, limited)).toHaveProperty('size', 2);

    // Another account from the same address: its own count is fresh, the IP's is spent.
    const y = await newUser('employee', limited);
    const other = await signedIn(y.email, limited);
    expect((await send(other.client, other.rd)).status).toBe(429);
    expect(await outboxIds(y.email, limited)).toHaveProperty('size', 0);
  });
});
