// Attack: one emailed code (intercepted, or simply double-submitted) is sent on 20 connections at
// the same moment, hoping that several requests read the code as unused before any marks it used
// and so turn one code into several signed-in sessions. SECURITY E1: an email code is single-use
// and bound to the sign-in attempt; the atomic `UPDATE … WHERE used_at IS NULL … RETURNING` lets
// exactly one submission through.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, emailOtps, outbox, sessions } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { deliveredEmail } from '../support/mailbox.js';

const P = '/.recourse';
const PARALLEL = 20;

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({
    storage,
    policy: { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } },
  });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('email code race', () => {
  it(`${PARALLEL} parallel submissions of one valid code in one session: exactly one succeeds`, async () => {
    const userId = await gw.addUser({ email: 'racer@example.com', password: 'racer password 1' });
    const client = new TestClient(gw.url);
    const rd = `${gw.url}/app`;
    expect((await client.signIn('racer@example.com', 'racer password 1', rd)).status).toBe(303);
    await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
    expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd })).status).toBe(200);
    const message = await deliveredEmail(gw, eq(outbox.recipient, 'racer@example.com'));
    const code = /code is:\s+(\d{6})\s/.exec(message.text)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () => client.request(`${P}/2fa/email-otp`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url },
        body: new URLSearchParams({ _csrf: client.csrf, code: code!, rd }),
      })),
    );
    await Promise.all(responses.map((res) => res.arrayBuffer()));
    const steppedUp = responses.filter((res) => res.status === 303 && res.headers.get('location') === rd
      && res.headers.getSetCookie().some((c) => c.startsWith('recourse_session=') && !/max-age=0/i.test(c)));
    expect(steppedUp).toHaveLength(1);
    // The others were refused: the code was used, or their session had just been replaced.
    for (const res of responses.filter((r) => !steppedUp.includes(r))) {
      expect(res.status === 401 || (res.status === 303 && res.headers.get('location')!.startsWith(`${P}/login`))).toBe(true);
    }

    const used = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'email_otp.used')));
    expect(used).toHaveLength(1);
    const levelTwo = await storage.db.select().from(sessions).where(and(eq(sessions.userId, userId), eq(sessions.authLevel, 2)));
    expect(levelTwo).toHaveLength(1);
    const [row] = await storage.db.select().from(emailOtps).where(eq(emailOtps.userId, userId));
    expect(row!.usedAt).not.toBeNull();
  });
});
