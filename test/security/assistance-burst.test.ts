// Attack: flooding the administrators through "Can't sign in?". An attacker fires fifty
// assistance requests at once from one address, and fifty for one email from fifty addresses,
// hoping each reads the request counts before any request is added to them, so that the queue
// and the administrators' inboxes fill up. SECURITY A2, L1: a request is charged per client
// address and per email (`rate_limits.assistance`) before anything is recorded, atomically, so
// exactly that many get through.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { usingPostgres } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const PER_IP = 5;
const PER_EMAIL = 3;
const ATTEMPTS = 50;
// Counts in Redis outlive a run: this run's addresses and emails are its own.
const run = randomBytes(4).toString('hex');
const ip = runAddresses();
const email = (name: string) => `${name}-${run}@example.com`;
let fixture: ProxiedTestGateway;

beforeAll(async () => {
  fixture = await startProxiedTestGateway({
    policy: { access: { default: 'one_factor' }, rate_limits: { assistance: { per_ip: `${PER_IP}/1h`, per_email: `${PER_EMAIL}/1h` } } },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
  await fixture.gw.addUser({ email: email('victim'), password: 'correct horse battery' });
});
afterAll(async () => {
  await fixture?.close();
});

async function fire(requests: Array<{ from: string; email: string }>): Promise<number[]> {
  const client = new TestClient(fixture.gw.url);
  await client.page(`${P}/assist`);
  return Promise.all(requests.map(async (request) => {
    const res = await client.postForm(`${P}/assist`, { email: request.email, type: 'lost_2fa', message: 'Let me in.' }, { 'x-forwarded-for': request.from });
    await res.arrayBuffer();
    return res.status;
  }));
}

const recordedFor = async (address: string) =>
  (await fixture.storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.submittedEmail, address))).length;

describe(`${ATTEMPTS} parallel assistance requests (${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''})`, () => {
  it(`from one address: exactly per_ip (${PER_IP}) are recorded`, async () => {
    const statuses = await fire(Array.from({ length: ATTEMPTS }, (_, i) => ({ from: ip(1), email: email(`someone${i}`) })));
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_IP);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - PER_IP);
    const recorded = await fixture.storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.ip, ip(1)));
    expect(recorded).toHaveLength(PER_IP);
  });

  it(`for one email from many addresses: exactly per_email (${PER_EMAIL}) are recorded`, async () => {
    const statuses = await fire(Array.from({ length: ATTEMPTS }, (_, i) => ({ from: ip(100 + i), email: email('victim') })));
    expect(statuses.filter((status) => status === 200)).toHaveLength(PER_EMAIL);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ATTEMPTS - PER_EMAIL);
    expect(await recordedFor(email('victim'))).toBe(PER_EMAIL);
  });
});
