// Attack (review of issue 28 item 3): the dashboard's Reset 2FA sits behind a confirmation, but the
// server never checked that it was given — a form posted without `confirm=yes` (a script, a stale
// tab, a button added by a browser extension) removed every factor of the account at once. Both
// dashboard routes now answer 400 with a sentence and change nothing unless the form carries
// `confirm=yes` (CONTRACT §8.4); the JSON API keeps its documented body (§5), the call being the confirmation.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests } from '../../db/schema/index.js';
import { actionForm, insertRequest, P, PASSWORD, REASON, signedIn } from '../http/admin-support.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { resetState, resetVictim } from '../support/reset-victim.js';
import { openTestStorage } from '../support/storage.js';

const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

const victim = (email: string) => resetVictim(gw, storage, clock, email, PASSWORD);
const stateOf = (userId: string) => resetState(storage, userId);

async function requestStatus(reference: string) {
  const [row] = await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
  return { status: row!.status, delivery: row!.delivery };
}

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  await gw.addUser({ email: 'owner@example.com', password: PASSWORD, role: 'owner', dataProtectionLevel: 1 });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('Reset 2FA on the dashboard needs confirm=yes', () => {
  it('on a request: without confirm (or with another value) → 400 with a sentence, nothing changes; with confirm=yes → done', async () => {
    const target = await victim('request-victim@example.com');
    const reference = await insertRequest(storage, clock, { userId: target, email: 'request-victim@example.com' });
    const owner = await signedIn(gw, 'owner@example.com');
    const before = await stateOf(target);
    const requestBefore = await requestStatus(reference);
    for (const extra of [{}, { confirm: 'no' }, { confirm: '' }] as Record<string, string>[]) {
      const res = await owner.postForm(`${P}/admin/requests/${reference}/reset-2fa`, actionForm(extra));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('Nothing was reset: confirm first');
    }
    expect(await stateOf(target)).toEqual(before);
    expect(await requestStatus(reference)).toEqual(requestBefore);

    const res = await owner.postForm(`${P}/admin/requests/${reference}/reset-2fa`, actionForm({ confirm: 'yes' }));
    expect(res.status).toBe(303);
    expect(await stateOf(target)).toEqual({ totp: 0, codes: 0, sessions: 0, resets: 1 });
    expect((await requestStatus(reference)).status).toBe('approved');
  });

  it('on a user\'s page: without confirm → 400, nothing changes; with confirm=yes → done', async () => {
    const target = await victim('user-victim@example.com');
    const owner = await signedIn(gw, 'owner@example.com');
    const before = await stateOf(target);
    const refused = await owner.postForm(`${P}/admin/users/${target}/reset-2fa`, actionForm());
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Nothing was reset: confirm first');
    expect(await stateOf(target)).toEqual(before);

    const done = await owner.postForm(`${P}/admin/users/${target}/reset-2fa`, actionForm({ confirm: 'yes' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${P}/admin/users/${target}?notice=reset`);
    expect(await stateOf(target)).toEqual({ totp: 0, codes: 0, sessions: 0, resets: 1 });
  });

  it('the JSON API keeps its documented body: {reason} alone resets (the call is the confirmation)', async () => {
    const target = await victim('api-victim@example.com');
    const owner = await signedIn(gw, 'owner@example.com');
    const res = await owner.postJson(`${P}/api/v1/users/${target}/reset-2fa`, { reason: REASON });
    expect(res.status).toBe(200);
    expect(await stateOf(target)).toEqual({ totp: 0, codes: 0, sessions: 0, resets: 1 });
  });
});
