// Attack (issue 32, finding 10): with a second factor 10 minutes old, `/backup-codes/regenerate` was
// refused but `POST P/enroll/totp` and WebAuthn enrolment were accepted, so whoever sits at a stale
// (borrowed, unlocked, hijacked) session could swap the authenticator for their own. A user who
// holds a factor adds or replaces one only with a second factor passed within the last 10 minutes
// (SECURITY D2, B4's rule); a first factor and a recovery session's new one stay open (R3).
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpFactors, webauthnCredentials } from '../../db/schema/index.js';
import { FRESH_SECOND_FACTOR_MS } from '../../gateway/session/freshness.js';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { enrolThroughPage, P, secretOnPage, seedTotp, STEP_MS } from '../http/totp-support.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { VirtualAuthenticator } from '../support/virtual-authenticator.js';

const PASSWORD = 'correct horse battery';
const STALE_MS = FRESH_SECOND_FACTOR_MS + 1_000;
const clock = new FixedClock('2026-03-01T09:00:10Z');
let fixture: ProxiedTestGateway;
let gw: TestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({ clock, policy: { access: { default: 'two_factor' } } });
  ({ gw } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

/** Confirmed apps only: opening the enrolment page stores a pending one. */
const totpRows = (userId: string) => fixture.storage.db.select({ id: totpFactors.id }).from(totpFactors)
  .where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt)));
const keyRows = (userId: string) => fixture.storage.db.select({ id: webauthnCredentials.id }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId));

/** A user with an authenticator app, signed in with password and app code just now. */
async function fullySignedIn(email: string): Promise<{ client: TestClient; userId: string; secret: string }> {
  const userId = await gw.addUser({ email, password: PASSWORD });
  const secret = await seedTotp(fixture.storage, userId, clock);
  const client = new TestClient(gw.url);
  expect((await client.signIn(email, PASSWORD)).status).toBe(303);
  await client.page(`${P}/2fa`);
  expect((await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: '/' })).status).toBe(303);
  return { client, userId, secret };
}

/** Passes the app code again at the step-up prompt, as the refusal page links to it. */
async function reverify(client: TestClient, secret: string, back: string): Promise<void> {
  const { res } = await client.page(`${P}/2fa?rd=${encodeURIComponent(back)}&stepup=1`);
  expect(res.status).toBe(200);
  const passed = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd: back });
  expect(passed.status).toBe(303);
  expect(passed.headers.get('location')).toBe(back);
}

describe('replacing the authenticator app', () => {
  it('10 min + 1 s after the second factor: refused, the app unchanged; after re-verifying: accepted', async () => {
    const { client, userId, secret } = await fullySignedIn('tina@example.com');
    const before = await totpRows(userId);
    // The enrolment page opened while fresh, the code posted once the second factor went stale.
    const { html } = await client.page(`${P}/enroll`);
    const replacement = secretOnPage(html);
    const factor = /name="factor" value="([^"]+)"/.exec(html)![1]!;
    clock.advance(STALE_MS);
    const posted = await client.postForm(`${P}/enroll/totp`, { code: generateTotpCode(replacement, clock.nowMs()), factor, rd: '' });
    expect(posted.status).toBe(403);
    expect(await posted.text()).toContain(`href="${P}/2fa?rd=${encodeURIComponent(`${P}/enroll`)}&amp;stepup=1"`);
    expect(await totpRows(userId)).toEqual(before);
    // Opening the page again goes straight to the prompt.
    const reopened = await client.request(`${P}/enroll`);
    expect(reopened.status).toBe(302);
    expect(reopened.headers.get('location')).toBe(`${P}/2fa?rd=${encodeURIComponent(`${P}/enroll`)}&stepup=1`);

    clock.advance(STEP_MS);
    await reverify(client, secret, `${P}/enroll`);
    const replaced = await enrolThroughPage(client, clock);
    expect(replaced.res.status).toBe(303);
    const after = await totpRows(userId);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before[0]!.id);
  });

  it('exactly 10 minutes still counts as fresh', async () => {
    const { client } = await fullySignedIn('tom@example.com');
    clock.advance(FRESH_SECOND_FACTOR_MS);
    expect((await client.request(`${P}/enroll`)).status).toBe(200);
  });

  it('a first factor and a recovery session\'s new one need no fresh second factor', async () => {
    const userId = await gw.addUser({ email: 'newbie@example.com', password: PASSWORD });
    const newbie = new TestClient(gw.url);
    expect((await newbie.signIn('newbie@example.com', PASSWORD)).status).toBe(303);
    clock.advance(STALE_MS);
    expect((await enrolThroughPage(newbie, clock)).res.status).toBe(303);
    expect(await totpRows(userId)).toHaveLength(1);

    const { client: recovering, userId: recoveringId } = await fullySignedIn('rita@example.com');
    await stepUpClient(gw, recovering, { restricted: true });
    clock.advance(STALE_MS);
    expect((await enrolThroughPage(recovering, clock)).res.status).toBe(303);
    expect(await totpRows(recoveringId)).toHaveLength(1);
  });
});

describe('adding or removing a security key', () => {
  it('stale: options refused with step_up_required and no key added; after re-verifying: added', async () => {
    const { client, userId, secret } = await fullySignedIn('kim@example.com');
    clock.advance(STALE_MS);
    const options = await client.postJson(`${P}/enroll/webauthn/options`, {});
    expect(options.status).toBe(403);
    expect((await options.json()).error.code).toBe('step_up_required');
    const verify = await client.postJson(`${P}/enroll/webauthn/verify`, { response: { id: 'x', response: {} } });
    expect(verify.status).toBe(403);
    expect(await keyRows(userId)).toEqual([]);

    await reverify(client, secret, `${P}/account`);
    const authenticator = new VirtualAuthenticator(gw.url);
    const fresh = await client.postJson(`${P}/enroll/webauthn/options`, {});
    expect(fresh.status).toBe(200);
    const added = await client.postJson(`${P}/enroll/webauthn/verify`, { response: authenticator.register(await fresh.json()), name: 'Blue key' });
    expect(added.status).toBe(200);
    expect(await keyRows(userId)).toHaveLength(1);

    // Removing one (the last factor would open first enrolment) needs the same freshness.
    const [key] = await keyRows(userId);
    clock.advance(STALE_MS);
    await client.page(`${P}/login`);
    const removed = await client.postForm(`${P}/account/webauthn/${key!.id}/remove`, {});
    expect(removed.status).toBe(403);
    expect(await keyRows(userId)).toHaveLength(1);
  });
});
