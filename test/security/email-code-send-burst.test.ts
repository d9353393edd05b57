// Attack: mail-bombing through the email one-time code. With a user's password, an attacker fires
// fifty "send me a code" requests at once, hoping each reads the send count before any send is
// added to it, and floods the user's inbox (and the gateway's outbox). SECURITY L1: the send is
// charged before anything is issued, per user and per client address
// (`rate_limits.email_otp_send.per_user`), atomically, so exactly that many codes go out.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startEmailCodeGateway } from '../support/email-code.js';
import type { ProxiedTestGateway } from '../support/gateway.js';
import { VICTIM } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const PER_USER = 5;
const ATTEMPTS = 50;
// Counts in Redis outlive a run: this run's address is its own, from a trusted X-Forwarded-For.
const FROM = { 'x-forwarded-for': runAddresses()(1) };
let fixture: ProxiedTestGateway;
let userId = '';

beforeAll(async () => {
  ({ fixture, userId } = await startEmailCodeGateway({ rate_limits: { email_otp_send: { per_user: `${PER_USER}/1h` } } }));
});
afterAll(async () => {
  await fixture?.close();
});

describe(`${ATTEMPTS} parallel email-code sends on one session (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`sends exactly per_user (${PER_USER}) codes and refuses the rest with 429`, async () => {
    const client = new TestClient(fixture.gw.url);
    await client.page(`${P}/login`, FROM);
    expect((await client.postForm(`${P}/login`, { email: VICTIM.email, password: VICTIM.password, rd: '/' }, FROM)).status).toBe(303);
    expect((await client.page(`${P}/2fa/email-otp`, FROM)).res.status).toBe(200);

    const statuses = await Promise.all(Array.from({ length: ATTEMPTS }, async () => {
      const res = await client.postForm(`${P}/2fa/email-otp/send`, { rd: '/' }, FROM);
      await res.arrayBuffer();
      return res.status;
    }));
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_USER);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - PER_USER);

    const sent = await fixture.storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'email_otp.sent')));
    expect(sent).toHaveLength(PER_USER);
    const mails = await fixture.storage.db.select().from(outbox).where(and(eq(outbox.userId, userId), eq(outbox.kind, 'email_otp')));
    expect(mails).toHaveLength(PER_USER);
  });
});
