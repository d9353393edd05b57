// Attack: one password-reset link (intercepted from the access email, or simply clicked twice) is
// submitted on 20 connections at the same moment, each with a different new password, hoping that
// several requests read the link as unused before any marks it used — so the attacker's password
// wins even though the victim used the link too, or the link survives its first use. SECURITY F2
// and the single-use rule for every emailed secret (R1 for admin-issued secrets): the link is
// consumed by one atomic `UPDATE … WHERE used_at IS NULL … RETURNING` in the transaction that
// sets the password and writes the audit row, so exactly one submission succeeds.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, userTokens } from '../../db/schema/index.js';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage, usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const PARALLEL = 20;
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let userId = '';

beforeAll(async () => {
  storage = await openTestStorage();
  // Twenty posts from one address: this file tests the link, not the per-IP throttle.
  gw = await startTestGateway({ storage, policy: { access: { default: 'one_factor' }, rate_limits: { password_reset: { per_ip: '100/15m' } } } });
  userId = await gw.addUser({ email: 'victim@example.com', password: 'the original password' });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe(`one reset link, ${PARALLEL} concurrent submissions (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('sets exactly one password; the link is spent and every other answer refuses', async () => {
    const token = await storage.db.transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: gw.clock.now() }));
    // Twenty browsers, each with the form (and its CSRF token) open.
    const browsers: TestClient[] = [];
    for (let i = 0; i < PARALLEL; i++) {
      const browser = new TestClient(gw.url);
      expect((await browser.page(`${P}/password/reset?token=${token}`)).res.status).toBe(200);
      browsers.push(browser);
    }
    const passwords = browsers.map((_, i) => `new password number ${String(i).padStart(2, '0')}`);

    const answers = await Promise.all(browsers.map((browser, i) => browser.postForm(`${P}/password/reset`, { token, password: passwords[i]! })));
    const winners = answers.flatMap((res, i) => (res.status === 303 && res.headers.get('location') === `${P}/login?notice=password-set` ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const res of answers.filter((_, i) => i !== winners[0])) expect(res.status).toBe(400);

    // Only the winner's password signs in.
    const winner = passwords[winners[0]!]!;
    const signIn = async (password: string) => (await new TestClient(gw.url).signIn('victim@example.com', password)).status;
    expect(await signIn(winner)).toBe(303);
    const loser = passwords[(winners[0]! + 1) % PARALLEL]!;
    expect(await signIn(loser)).toBe(401);

    const [link] = await storage.db.select().from(userTokens).where(eq(userTokens.userId, userId));
    expect(link!.usedAt).not.toBeNull();
    const resets = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'password.reset')));
    expect(resets).toHaveLength(1);

    // And the spent link opens nothing afterwards.
    const late = new TestClient(gw.url);
    expect((await late.page(`${P}/password/reset?token=${token}`)).res.status).toBe(400);
  });
});
