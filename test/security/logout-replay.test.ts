// Attack: a session token copied from the victim's browser (malware, a shared computer, a proxy
// log) is replayed after the victim signed out — by logging out, by "sign out everywhere" from
// another device, or by resetting their password — hoping the signature alone still counts.
// SECURITY S1: logout and revocation are enforced server-side; the replayed token is no session
// at the proxy, at forward-auth, on the gateway's pages or for a state-changing form.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';

const P = '/.recourse';
const COOKIE = 'recourse_session';
const PASSWORD = 'correct horse battery';
let fixture: ProxiedTestGateway;
let storage: ProxiedTestGateway['storage'];
let upstream: ProxiedTestGateway['upstream'];
let gw: TestGateway;
let userId = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway();
  ({ storage, upstream, gw } = fixture);
  userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
});
afterAll(async () => {
  await fixture?.close();
});

async function signedIn(password = PASSWORD): Promise<TestClient> {
  const client = new TestClient(gw.url);
  expect((await client.signIn('victim@example.com', password)).status).toBe(303);
  return client;
}

/** The attacker's copy: the victim's cookies (session and CSRF) and the CSRF token of their last page. */
function steal(victim: TestClient): TestClient {
  const attacker = new TestClient(gw.url);
  for (const [name, value] of victim.cookies) attacker.cookies.set(name, value);
  attacker.csrf = victim.csrf;
  return attacker;
}

/** Every way the stolen copy could still pass for the victim; all false when it is dead. */
async function stillWorks(attacker: TestClient) {
  const before = upstream.seen.length;
  const app = await attacker.request('/inbox');
  await app.arrayBuffer();
  const verify = await attacker.request(`${P}/verify`);
  const account = await attacker.request(`${P}/account`);
  const revokeAll = await attacker.postForm(`${P}/account/sessions/revoke-all`, {});
  return {
    upstream: app.status === 200 || upstream.seen.length > before,
    verify: verify.status === 200,
    account: account.status === 200,
    // A live session would be answered by the handler with a redirect to the signed-out notice.
    formAccepted: revokeAll.headers.get('location')?.includes('notice=signed-out') ?? false,
  };
}
const dead = { upstream: false, verify: false, account: false, formAccepted: false };

describe('a stolen token after the victim signed out (SECURITY S1)', () => {
  it('control: the copy works while the victim is signed in', async () => {
    const victim = await signedIn();
    await victim.page(`${P}/account`);
    const attacker = steal(victim);
    const before = upstream.seen.length;
    expect((await attacker.request('/inbox')).status).toBe(200);
    expect(upstream.seen.length).toBe(before + 1);
    expect((await attacker.request(`${P}/verify`)).status).toBe(200);
  });

  it('after logout', async () => {
    const victim = await signedIn();
    await victim.page(`${P}/account`);
    const attacker = steal(victim);
    expect((await victim.postForm(`${P}/logout`, {})).status).toBe(303);
    expect(victim.cookies.has(COOKIE)).toBe(false);
    expect(await stillWorks(attacker)).toEqual(dead);
  });

  it('after "sign out everywhere" from another device', async () => {
    const laptop = await signedIn();
    await laptop.page(`${P}/account`);
    const attacker = steal(laptop);
    const phone = await signedIn();
    await phone.page(`${P}/account`);
    expect((await phone.postForm(`${P}/account/sessions/revoke-all`, {})).headers.get('location')).toContain('notice=signed-out');
    expect(await stillWorks(attacker)).toEqual(dead);
  });

  it('after the password was reset through an access link', async () => {
    const victim = await signedIn();
    await victim.page(`${P}/account`);
    const attacker = steal(victim);
    const token = await storage.db.transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: gw.clock.now() }));
    const browser = new TestClient(gw.url);
    await browser.page(`${P}/password/reset?token=${token}`);
    expect((await browser.postForm(`${P}/password/reset`, { token, password: 'a brand new passphrase' })).status).toBe(303);
    expect(await stillWorks(attacker)).toEqual(dead);
    const [reset] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'password.reset'));
    expect(reset!.details.sessions_revoked).toBeGreaterThanOrEqual(1);
    await signedIn('a brand new passphrase');
  });
});
