/**
 * Requests that close (issue 28 item 4), through the real server: a request answered with an
 * access email completes when the user sets the password with it; one answered with Reset 2FA
 * completes when the user enrols a new factor, not before; a request answered another way, or
 * answered again differently, is left for its own answer to complete.
 */
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { deliveredEmails } from '../support/mailbox.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { actionForm, insertRequest, P, PASSWORD, signedIn } from './admin-support.js';
import { enrolThroughPage, seedTotp } from './totp-support.js';

const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let root: TestClient;
const ids: Record<string, string> = {};

beforeAll(async () => {
  storage = await openTestStorage();
  // Two factors everywhere, so a reset user must enrol before reaching anything.
  gw = await startTestGateway({ storage, clock, policy: { access: { default: 'two_factor' } } });
  ids.root = await gw.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
  ids.bea = await gw.addUser({ email: 'bea@example.com', password: PASSWORD, name: 'Bea' });
  ids.cy = await gw.addUser({ email: 'cy@example.com', password: PASSWORD, name: 'Cy' });
  await seedTotp(storage, ids.root, clock);
  root = await signedIn(gw, 'root@example.com');
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const requestOf = async (reference: string) => (await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference)))[0]!;

async function completedAudit(reference: string) {
  const rows = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'recovery_request.completed')).orderBy(desc(auditLog.id));
  return rows.find((row) => (row.details as { reference?: string }).reference === reference);
}

describe('an access email', () => {
  it('completes its request when the user sets the password with it', async () => {
    const reference = await insertRequest(storage, clock, { userId: ids.bea!, email: 'bea@example.com' });
    const other = await insertRequest(storage, clock, { userId: ids.bea!, email: 'bea@example.com' });
    expect((await root.postForm(`${P}/admin/requests/${reference}/send-access-email`, actionForm())).status).toBe(303);
    // Another request of hers answered with a recovery code is not this email's to complete.
    expect((await root.postForm(`${P}/admin/requests/${other}/generate-code`, actionForm({ delivery: 'email' }))).status).toBe(303);
    expect((await requestOf(reference)).status).toBe('approved');
    const [mail] = await deliveredEmails(gw, and(eq(outbox.recipient, 'bea@example.com'), eq(outbox.kind, 'access_email')));
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const visitor = new TestClient(gw.url);
    await visitor.page(`${P}/password/reset?token=${token}`);
    expect((await visitor.postForm(`${P}/password/reset`, { token, password: 'a brand new passphrase 42' })).status).toBe(303);
    expect((await requestOf(reference)).status).toBe('completed');
    expect((await completedAudit(reference))).toMatchObject({ userId: ids.bea, actorId: ids.bea, details: { reference, via: 'access_email', after: 'password.reset' } });
    expect((await requestOf(other)).status).toBe('approved');
  });
});

describe('Reset 2FA', () => {
  it('leaves the request approved until the user enrols a new factor, then completes it', async () => {
    await seedTotp(storage, ids.cy!, clock);
    const reference = await insertRequest(storage, clock, { userId: ids.cy!, email: 'cy@example.com' });
    expect((await root.postForm(`${P}/admin/requests/${reference}/reset-2fa`, actionForm({ confirm: 'yes' }))).status).toBe(303);
    expect((await requestOf(reference)).status).toBe('approved');
    expect(await completedAudit(reference)).toBeUndefined();
    // Cy signs in with the password and is sent to enrol; the request closes with her new factor.
    const cy = new TestClient(gw.url);
    expect((await cy.signIn('cy@example.com', PASSWORD)).status).toBe(303);
    const { res } = await enrolThroughPage(cy, clock);
    expect(res.status).toBe(303);
    expect((await requestOf(reference)).status).toBe('completed');
    expect(await completedAudit(reference)).toMatchObject({ userId: ids.cy, details: { reference, via: 'reset_2fa', after: 'totp.enrolled' } });
  });
});
