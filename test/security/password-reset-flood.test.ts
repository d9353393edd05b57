// Attack: a client floods `POST P/password/reset` with made-up tokens (issue 32: 300 parallel
// posts cost 174 argon2id hashes, and a real sign-in during the flood was refused with 503 for a
// full hash queue). The link is looked up by its SHA-256 before the new password is hashed, so
// an unknown, expired or spent link never costs a hash; and the route is limited per client
// address (`rate_limits.password_reset.per_ip`, 10 per 15 minutes by default), charged
// atomically, so a burst gets no more than that through to the lookup.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePasswordLink } from '../../gateway/auth/password-links.js';
import { setHashQueueLimit } from '../../gateway/security/password.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway } from '../support/gateway.js';
import { occupyHashSlots } from '../support/hash-slots.js';
import { usingPostgres } from '../support/storage.js';
import { runAddresses } from '../support/run-addresses.js';

const P = '/.recourse';
const storageName = `${usingPostgres ? 'PostgreSQL' : 'PGlite'}${process.env.REDIS_URL ? ', Redis' : ''}`;
const madeUpToken = () => randomBytes(32).toString('base64url');

async function linkFor(fixture: ProxiedTestGateway, email: string): Promise<string> {
  const userId = await fixture.gw.addUser({ email, password: 'the original password' });
  return fixture.storage.db.transaction((tx) => issuePasswordLink(tx, { userId, purpose: 'password_reset', ttlMs: 3_600_000, now: fixture.gw.clock.now() }));
}

describe(`made-up links while every hash slot is busy (${storageName})`, () => {
  let fixture: ProxiedTestGateway;
  beforeAll(async () => {
    // No queue: with the slots busy, any hash is refused at once with 503, so a 503 shows one was asked for.
    fixture = await startProxiedTestGateway({
      config: { server: { password_hash_queue: 0 } },
      policy: { access: { default: 'one_factor' }, rate_limits: { password_reset: { per_ip: '1000/15m' } } },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    // Test files share this module (vitest isolate: false): leave no limit behind for the next file.
    setHashQueueLimit(Number.POSITIVE_INFINITY);
  });

  it('are refused as expired without a hash; a real link still needs one', async () => {
    const token = await linkFor(fixture, 'real@example.com');
    const client = new TestClient(fixture.gw.url);
    await client.page(`${P}/password/reset?token=${token}`);
    const stop = await occupyHashSlots();
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, async () => {
        const res = await client.postForm(`${P}/password/reset`, { token: madeUpToken(), password: 'a strong passphrase' });
        return { status: res.status, body: await res.text() };
      }));
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body).toContain('This link is invalid, has expired or was already used.');
      }
      // The same moment, a real link: its hash is refused, which shows the slots really were busy.
      expect((await client.postForm(`${P}/password/reset`, { token, password: 'a strong passphrase' })).status).toBe(503);
    } finally {
      await stop();
    }
  });
});

describe(`a burst from one address (${storageName})`, () => {
  // Counts in Redis outlive a run: this run's addresses are its own, from a trusted X-Forwarded-For.
    const ip = runAddresses();
  let fixture: ProxiedTestGateway;
  beforeAll(async () => {
    // The shipped default: 10 per 15 minutes.
    fixture = await startProxiedTestGateway({
      config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('gets per_ip posts through to the lookup, and the rest refused with 429 and Retry-After', async () => {
    const client = new TestClient(fixture.gw.url);
    await client.page(`${P}/login`);
    const post = (token: string, from: string) =>
      client.postForm(`${P}/password/reset`, { token, password: 'a strong passphrase' }, { 'x-forwarded-for': from });
    const answers = await Promise.all(Array.from({ length: 100 }, async () => {
      const res = await post(madeUpToken(), ip(1));
      await res.arrayBuffer();
      return { status: res.status, retryAfter: Number(res.headers.get('retry-after')) };
    }));
    expect(answers.filter((a) => a.status === 400)).toHaveLength(10);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(90);
    expect(limited.every((a) => a.retryAfter > 0 && a.retryAfter <= 15 * 60)).toBe(true);

    // The address is limited whatever the link; another address is not.
    const token = await linkFor(fixture, 'victim@example.com');
    expect((await post(token, ip(1))).status).toBe(429);
    expect((await post(token, ip(2))).status).toBe(303);
  });
});
