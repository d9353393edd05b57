// Attack: account enumeration through the "Can't sign in?" form. An attacker submits addresses
// they guess and compares what comes back — status, headers, cookies, body, or how long the
// answer takes — to learn which ones have an account (OWASP Forgot Password cheat sheet).
// SECURITY A1: the answer is identical apart from the reference id, and its timing does not tell
// an existing account from an unknown email — also while SMTP is down, when mail work could
// otherwise slow one case down.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, outbox } from '../../db/schema/index.js';
import { recordAudit } from '../../gateway/audit/write.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { compareRanks, Z_TWO_SIDED_0_001 } from '../support/rank-test.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/g;
const ROUNDS = 50;
const policy = {
  access: { default: 'one_factor' },
  // Generous limits: this file measures the answer, not the throttle.
  rate_limits: { assistance: { per_ip: '10000/1h', per_email: '10000/1h' } },
};

let storage: Awaited<ReturnType<typeof openTestStorage>>;
beforeAll(async () => { storage = await openTestStorage(); });
afterAll(async () => { await storage?.close(); });

function scenario(name: string, tag: string, mail: () => Promise<Record<string, unknown>>) {
  const EXISTING = `alice-${tag}@example.com`;
  const UNKNOWN = `nobody-${tag}@example.com`;
  describe(name, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ storage, policy, config: { mail: await mail() } });
      // The existing account has history, factors to look up and admins to alert, so its path has
      // every piece of work an attacker could hope to time.
      const alice = await gw.addUser({ email: EXISTING, name: 'Alice' });
      await recordAudit(storage.db, TEST_SECRET, { event: 'login.succeeded', at: gw.clock.now(), actor: { userId: alice }, userId: alice, ip: '127.0.0.1' });
      await gw.addUser({ email: `root-${tag}@example.com`, role: 'super_admin' });
      await gw.addUser({ email: `dpo-${tag}@example.com`, role: 'admin', dataProtectionLevel: 1 });
    });
    afterAll(async () => { await gw?.close(); });

    const post = async (client: TestClient, email: string) => {
      const started = performance.now();
      const res = await client.postForm(`${P}/assist`, { email, type: 'lost_2fa', message: 'I lost my phone.' });
      const body = await res.text();
      return { res, body, ms: performance.now() - started };
    };

    it('answers an existing and an unknown email with the same bytes apart from the reference', async () => {
      const client = new TestClient(gw.url);
      await client.page(`${P}/assist`);
      const existing = await post(client, EXISTING);
      const unknown = await post(client, UNKNOWN);

      expect(existing.res.status).toBe(200);
      expect(unknown.res.status).toBe(existing.res.status);
      const headers = (res: Response) => [...res.headers].filter(([key]) => key !== 'date' && key !== 'set-cookie');
      expect(headers(unknown.res)).toEqual(headers(existing.res));
      // Names and attributes of every cookie set (values are random per response by design).
      const cookies = (res: Response) => res.headers.getSetCookie().map((line) => line.replace(/^([^=]+)=[^;]*/, '$1=…'));
      expect(cookies(unknown.res)).toEqual(cookies(existing.res));

      const references = [existing.body.match(REFERENCE), unknown.body.match(REFERENCE)];
      expect(references.map((r) => r?.length)).toEqual([1, 1]);
      expect(references[0]![0]).not.toBe(references[1]![0]);
      expect(unknown.body.replace(REFERENCE, 'AR-####-####')).toBe(existing.body.replace(REFERENCE, 'AR-####-####'));

      // Both were recorded; only the account link tells them apart, and only to administrators,
      // once the worker has done the account work after the answers.
      await gw.running.assistance.poke();
      const [a, b] = await Promise.all(references.map(async (r) =>
        (await storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, r![0]!)))[0]));
      expect(a?.userId).toBeTruthy();
      expect(b?.userId).toBeNull();
    });

    it(`takes the same time for both: ${ROUNDS} submissions each are indistinguishable (Mann–Whitney, α = 0.001)`, { timeout: 180_000 }, async () => {
      const client = new TestClient(gw.url);
      await client.page(`${P}/assist`);
      const times: Record<'existing' | 'unknown', number[]> = { existing: [], unknown: [] };
      // Alternated, so drift in machine load falls on both sides alike.
      for (let i = 0; i < ROUNDS; i++) {
        for (const [kind, email] of (i % 2 === 0 ? [['existing', EXISTING], ['unknown', UNKNOWN]] : [['unknown', UNKNOWN], ['existing', EXISTING]]) as Array<['existing' | 'unknown', string]>) {
          const answer = await post(client, email);
          expect(answer.res.status).toBe(200);
          times[kind].push(answer.ms);
        }
      }
      // A rank test, not a bound on the medians: on a quiet machine both sides sit on the 400 ms
      // floor; on a loaded one the noise grows with the load, and a fixed bound would fail on the
      // noise alone. The account work runs after the answer, so any real leak is a shift the rank
      // test finds at any load, while its false-alarm rate stays 0.1 %.
      const { z, medians } = compareRanks(times.existing, times.unknown);
      expect(Math.abs(z), `z = ${z.toFixed(2)}; medians ${medians[0].toFixed(1)} ms vs ${medians[1].toFixed(1)} ms`).toBeLessThan(Z_TWO_SIDED_0_001);
      // Nothing was lost on the way (SECURITY F1): every alert is in the outbox, sent or awaiting a retry.
      expect((await storage.db.select().from(outbox).where(eq(outbox.kind, 'assistance_alert'))).length).toBeGreaterThanOrEqual(2 * ROUNDS);
    });
  });
}

scenario('mail delivered', 'file', async () => ({}));
scenario('SMTP down', 'down', async () => ({ smtp_url: `smtp://127.0.0.1:${await freePort()}` }));

