/** Helpers shared by the admin tests: signed-in administrators, requests written straight to the table. */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Storage } from '../../db/client.js';
import { insertAssistanceRequest } from '../../db/queries/assistance.js';
import { assistanceRequests, type RequestStatus } from '../../db/schema/index.js';
import type { Clock } from '../../gateway/core/clock.js';
import { generateReferenceId } from '../../gateway/security/codes.js';
import { TestClient } from '../support/client.js';
import type { TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';

export const P = '/.recourse';
export const PASSWORD = 'correct horse battery';
export const REASON = 'Identity verified by phone';

/** Signs in through the login form; with `stepUp` the session is then at level 2 (second factor passed now). */
export async function signedIn(gw: TestGateway, email: string, options: { stepUp?: boolean } = {}): Promise<TestClient> {
  const client = new TestClient(gw.url);
  const res = await client.signIn(email, PASSWORD);
  if (res.status !== 303) throw new Error(`sign-in of ${email} failed: ${res.status}`);
  if (options.stepUp ?? true) await stepUpClient(gw, client);
  return client;
}

/** A client with no session, but the CSRF cookie and token a browser would have. */
export async function anonymous(gw: TestGateway): Promise<TestClient> {
  const client = new TestClient(gw.url);
  await client.page(`${P}/login`);
  return client;
}

/** An assistance request as the assist form would store it; returns its reference. */
export async function insertRequest(storage: Storage, clock: Clock, input: { userId: string | null; email: string; status?: RequestStatus; at?: Date }): Promise<string> {
  const reference = generateReferenceId();
  const id = randomUUID();
  await insertAssistanceRequest(storage.db, {
    id, reference, submittedEmail: input.email, userId: input.userId, type: 'lost_2fa', message: 'I lost my phone.\n<script>alert(1)</script>',
    ip: '198.51.100.7', location: 'unknown', network: 'unknown', flags: [], notifiedAdmins: [], now: input.at ?? clock.now(), processedAt: input.at ?? clock.now(),
    context: { city: null, country: null, userAgent: 'test', ipSeenBefore: false, findings: [] },
  });
  if (input.status && input.status !== 'pending') await storage.db.update(assistanceRequests).set({ status: input.status }).where(eq(assistanceRequests.id, id));
  return reference;
}

/** Form fields of an action with a valid reason (On Behalf Of names a user, so a test that wants it adds one). */
export function actionForm(extra: Record<string, string> = {}): Record<string, string> {
  return { reason: REASON, details: 'Called the user back on the number on file.', ...extra };
}
