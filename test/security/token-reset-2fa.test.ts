// Attack (issue 32, finding 7): an owner's API token `POST P/api/v1/users/{id}/reset-2fa` answered
// 200; knowing only that admin's password, the attacker then signed in, enrolled their own
// authenticator and read the queue. Resetting 2FA and issuing a recovery code bypass a second
// factor, so both need one passed within the last 10 minutes (SECURITY T1, D2; CONTRACT §8.4): an
// administrator's session can, a token never can. Pages and API share one guard and one rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiToken } from '../../db/queries/api-tokens.js';
import { newApiToken } from '../../gateway/auth/api-token.js';
import { FRESH_SECOND_FACTOR_MS } from '../../gateway/session/freshness.js';
import { actionForm, P, PASSWORD, REASON, signedIn } from '../http/admin-support.js';
import type { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { resetState, resetVictim } from '../support/reset-victim.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';

const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let ownerToken = '';
const ids: Record<string, string> = {};

const victim = (email: string) => resetVictim(gw, storage, clock, email, PASSWORD);
const stateOf = (userId: string) => resetState(storage, userId);

const api = (client: TestClient, userId: string, action: string) => client.postJson(`${P}/api/v1/users/${userId}/${action}`, { reason: REASON });
const page = async (client: TestClient, userId: string, action: string) => {
  await client.page(`${P}/admin/users/${userId}`);
  return client.postForm(`${P}/admin/users/${userId}/${action}`, actionForm({ confirm: 'yes' }));
};

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock });
  ids.owner = await gw.addUser({ email: 'owner@example.com', password: PASSWORD, role: 'owner', dataProtectionLevel: 1, expertMode: true });
  const { token, tokenHash } = newApiToken();
  await insertApiToken(storage.db, { name: 'owner-automation', userId: ids.owner, tokenHash, now: clock.now() });
  ownerToken = token;
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('an API token cannot bypass anyone\'s second factor', () => {
  it('the attack as reported: the owner\'s token → reset-2fa is 403 and nothing changes', async () => {
    const target = await victim('token-victim@example.com');
    const before = await stateOf(target);
    expect(before).toEqual({ totp: 1, codes: 10, sessions: 1, resets: 0 });
    const res = await fetch(`${gw.url}${P}/api/v1/users/${target}/reset-2fa`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: REASON }),
    });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body).toEqual({ error: { code: 'token_not_allowed', message: expect.stringContaining('second factor') } });
    expect(await stateOf(target)).toEqual(before);
  });

  it('nor can it issue or email a recovery code; what bypasses nothing stays open to it', async () => {
    const target = await victim('token-victim-2@example.com');
    const bearer = (action: string) => fetch(`${gw.url}${P}/api/v1/users/${target}/${action}`, {
      method: 'POST', headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: REASON }),
    });
    const code = await bearer('send-recovery-code');
    expect(code.status).toBe(403);
    expect((await code.json()).error.code).toBe('token_not_allowed');
    expect((await bearer('send-access-email')).status).toBe(200);
    expect(await stateOf(target)).toMatchObject({ totp: 1, codes: 10, resets: 0 });
  });
});

describe('an administrator\'s session needs a second factor from the last 10 minutes', () => {
  it('API: stale (10 min + 1 s) → 403 step_up_required and nothing changes; fresh again → 200', async () => {
    const target = await victim('api-victim@example.com');
    const owner = await signedIn(gw, 'owner@example.com');
    clock.advance(FRESH_SECOND_FACTOR_MS + 1_000);
    const before = await stateOf(target);
    for (const action of ['reset-2fa', 'send-recovery-code']) {
      const stale = await api(owner, target, action);
      expect(stale.status).toBe(403);
      expect((await stale.json()).error.code).toBe('step_up_required');
    }
    expect(await stateOf(target)).toEqual(before);

    await stepUpClient(gw, owner);
    const fresh = await api(owner, target, 'reset-2fa');
    expect(fresh.status).toBe(200);
    expect(await stateOf(target)).toEqual({ totp: 0, codes: 0, sessions: 0, resets: 1 });
  });

  it('pages: stale → the step-up prompt (403) and nothing changes; fresh again → done', async () => {
    const target = await victim('page-victim@example.com');
    const owner = await signedIn(gw, 'owner@example.com');
    clock.advance(FRESH_SECOND_FACTOR_MS + 1_000);
    const before = await stateOf(target);
    const userPath = `${P}/admin/users/${target}`;
    for (const action of ['reset-2fa', 'send-recovery-code']) {
      const stale = await page(owner, target, action);
      expect(stale.status).toBe(403);
      expect(await stale.text()).toContain(`href="${P}/2fa?rd=${encodeURIComponent(userPath)}&amp;stepup=1"`);
    }
    expect(await stateOf(target)).toEqual(before);

    await stepUpClient(gw, owner);
    const fresh = await page(owner, target, 'reset-2fa');
    expect(fresh.status).toBe(303);
    expect(fresh.headers.get('location')).toBe(`${userPath}?notice=reset`);
    expect(await stateOf(target)).toEqual({ totp: 0, codes: 0, sessions: 0, resets: 1 });
  });
});
