// Attack: mail-bombing and enumeration through "Forgot your password?". An attacker fires forty
// requests at once for one victim's address from forty addresses, hoping each reads the count
// before any is added, to flood the victim's inbox; then forty at once from one address for forty
// emails. SECURITY L1: the request is charged before anything is issued, per address and per email
// (`rate_limits.password_forgot`), atomically, so exactly that many links go out.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { usingPostgres } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const PER_IP = 6;
const PER_EMAIL = 3;
const ATTEMPTS = 40;
// Counts in Redis outlive a run: this run's addresses (from a trusted X-Forwarded-For) and email are its own.
const run = randomBytes(4).toString('hex');
const VICTIM = { email: `victim-${run}@example.com`, password: 'correct horse battery' };
const addressOf = runAddresses();
const address = (i: number) => addressOf(i + 1);
let fixture: ProxiedTestGateway;
let userId = '';

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: {
      access: { default: 'two_factor' },
      recovery: { self_service_password_reset: true },
      rate_limits: { password_forgot: { per_ip: `${PER_IP}/1h`, per_email: `${PER_EMAIL}/1h` } },
    },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
  userId = await fixture.gw.addUser(VICTIM);
});
afterAll(async () => {
  await fixture?.close();
});

async function askAll(requests: Array<{ email: string; ip: string }>): Promise<number[]> {
  const client = new TestClient(fixture.gw.url);
  await client.page(`${P}/password/forgot`);
  return Promise.all(requests.map(async ({ email, ip }) => {
    const res = await client.postForm(`${P}/password/forgot`, { email }, { 'x-forwarded-for': ip });
    await res.arrayBuffer();
    return res.status;
  }));
}

/** The links are issued after the answer: waits until `expected` requests are audited, then reads. */
async function auditedRequests(expected: number, where = eq(auditLog.event, 'password.reset_requested')) {
  await vi.waitFor(async () => {
    expect((await fixture.storage.db.select().from(auditLog).where(where)).length).toBeGreaterThanOrEqual(expected);
  }, { timeout: 30_000, interval: 100 });
  return fixture.storage.db.select().from(auditLog).where(where);
}

describe(`${ATTEMPTS} parallel password-reset requests (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`for one email from many addresses: exactly per_email (${PER_EMAIL}) links are mailed`, async () => {
    const statuses = await askAll(Array.from({ length: ATTEMPTS }, (_, i) => ({ email: VICTIM.email, ip: address(i) })));
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_EMAIL);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - PER_EMAIL);
    expect(await auditedRequests(PER_EMAIL, and(eq(auditLog.event, 'password.reset_requested'), eq(auditLog.userId, userId)))).toHaveLength(PER_EMAIL);
    const mails = await fixture.storage.db.select().from(outbox).where(and(eq(outbox.userId, userId), eq(outbox.kind, 'password_forgot')));
    expect(mails).toHaveLength(PER_EMAIL);
  });

  it(`from one address for many emails: exactly per_ip (${PER_IP}) are answered`, async () => {
    const before = (await fixture.storage.db.select().from(auditLog).where(eq(auditLog.event, 'password.reset_requested'))).length;
    const ip = address(1000);
    const statuses = await askAll(Array.from({ length: ATTEMPTS }, (_, i) => ({ email: `nobody-${run}-${i}@example.com`, ip })));
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_IP);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - PER_IP);
    expect(await auditedRequests(before + PER_IP)).toHaveLength(before + PER_IP);
  });
});
