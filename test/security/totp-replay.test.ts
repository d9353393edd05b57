// Attack: an attacker who knows the password watches (or phishes and relays) an authenticator
// code the victim has just typed, then replays it from their own session while it is still
// inside its 30-second window — or tries a code read off the victim's phone for a step further
// away, or sends their own clock in the request. SECURITY T2: a code accepted once is never
// accepted again, nor any code of an earlier step; T1: only one step of drift either way, judged
// by the server's clock alone.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';
import { P, seedTotp, STEP_MS } from '../http/totp-support.js';

const PASSWORD = 'correct horse battery';
// Ten seconds into a step, so "one step away" never straddles a boundary.
const clock = new FixedClock('2026-05-04T10:00:10Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let userId = '';
let secret = '';

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  gw = await startTestGateway({ storage, upstream: upstream.url, clock, policy: { access: { default: 'two_factor' } } });
  userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
  secret = await seedTotp(storage, userId, clock);
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await storage?.close();
});

/** A fresh password-only session (the attacker's or the victim's) posting `code` to the challenge. */
async function submit(code: string, headers: Record<string, string> = {}): Promise<{ res: Response; client: TestClient }> {
  const client = new TestClient(gw.url);
  expect((await client.signIn('victim@example.com', PASSWORD, '/inbox')).status).toBe(303);
  expect((await client.page(`${P}/2fa?rd=%2Finbox`)).res.status).toBe(200);
  const res = await client.postForm(`${P}/2fa/totp`, { code, rd: '/inbox' }, headers);
  return { res, client };
}

/** Whether the client's session gets through to the upstream now. */
async function reachesUpstream(client: TestClient): Promise<boolean> {
  const before = upstream.seen.length;
  const res = await client.request('/inbox');
  await res.arrayBuffer();
  return res.status === 200 && upstream.seen.length === before + 1;
}

const failures = async () => (await storage.db.select().from(auditLog)
  .where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'second_factor.failed')))).map((row) => row.details.reason);

describe('TOTP replay (SECURITY T2)', () => {
  it('a code the victim used is refused in the attacker\'s session for the rest of its window', async () => {
    clock.advance(4 * STEP_MS);
    const code = generateTotpCode(secret, clock.nowMs());
    const victim = await submit(code);
    expect(victim.res.status).toBe(303);
    expect(await reachesUpstream(victim.client)).toBe(true);

    // Same step, then the following one (where the code is still "one step of drift" old).
    for (const later of [0, 15_000, STEP_MS]) {
      clock.advance(later);
      const attacker = await submit(code);
      expect(attacker.res.status).toBe(401);
      expect(await reachesUpstream(attacker.client)).toBe(false);
    }
    expect((await failures()).slice(-3)).toEqual(['replayed', 'replayed', 'replayed']);
  });

  it('once a newer step was used, a code of an older step is refused even inside the drift window', async () => {
    clock.advance(4 * STEP_MS);
    // The victim's phone runs a step ahead; the attacker holds the code of the current step.
    const older = generateTotpCode(secret, clock.nowMs());
    expect((await submit(generateTotpCode(secret, clock.nowMs() + STEP_MS))).res.status).toBe(303);
    const attacker = await submit(older);
    expect(attacker.res.status).toBe(401);
    expect(await reachesUpstream(attacker.client)).toBe(false);
  });
});

describe('drift (SECURITY T1)', () => {
  it('a code from two steps away is refused; one step away passes', async () => {
    clock.advance(10 * STEP_MS);
    for (const offset of [-2, 2, -3, 3]) {
      const far = await submit(generateTotpCode(secret, clock.nowMs() + offset * STEP_MS));
      expect(far.res.status, `${offset} steps`).toBe(401);
      expect(await reachesUpstream(far.client)).toBe(false);
    }
    const near = await submit(generateTotpCode(secret, clock.nowMs() - STEP_MS));
    expect(near.res.status).toBe(303);
    expect(await reachesUpstream(near.client)).toBe(true);
  });

  it('judges by the server clock only: a client Date header or time field changes nothing', async () => {
    clock.advance(10 * STEP_MS);
    const future = clock.nowMs() + 10 * STEP_MS;
    const forged = await submit(generateTotpCode(secret, future), { date: new Date(future).toUTCString(), 'x-client-time': String(future) });
    expect(forged.res.status).toBe(401);
    expect(await reachesUpstream(forged.client)).toBe(false);
  });
});
