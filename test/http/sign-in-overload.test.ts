// Overload: more sign-ins arrive than the password hashes can keep up with. Past
// server.password_hash_queue, a sign-in or a password change is refused at once (503, Retry-After,
// a message) instead of waiting in a backlog: no ban is counted, no link is spent, the same answer
// for every email, and the next attempt once the queue has room goes through.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema/index.js';
import { bootstrapAdmin } from '../../gateway/auth/bootstrap.js';
import { setHashQueueLimit } from '../../gateway/security/password.js';
import { occupyHashSlots } from '../support/hash-slots.js';
import { TestClient } from '../support/client.js';
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from '../support/gateway.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
let fixture: ProxiedTestGateway;
let gw: TestGateway;
let aliceId = '';

beforeAll(async () => {
  // A queue of 0: with every slot busy, the next password check is refused. Regulation bans after
  // 3 failures, so a refusal counted as one would show within the five attempts below.
  fixture = await startProxiedTestGateway({
    config: { server: { password_hash_queue: 0 } },
    policy: { access: { default: 'one_factor' }, rate_limits: { login: { max_retries: 3, find_time: '2m', ban_time: '5m' } } },
  });
  gw = fixture.gw;
  aliceId = await gw.addUser({ email: 'alice@example.com', password: PASSWORD });
});
afterAll(async () => {
  await fixture?.close();
  // Test files share this module (vitest isolate: false): leave no limit behind for the next file.
  setHashQueueLimit(Number.POSITIVE_INFINITY);
});

const failedSignIns = async () => (await gw.storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'login.failed'), eq(auditLog.userId, aliceId)))).length;

describe('sign-ins past the password hash queue', () => {
  it('are refused at once with 503, Retry-After and a message, count towards no ban, and go through once there is room', async () => {
    const client = new TestClient(gw.url);
    const stop = await occupyHashSlots();
    try {
      for (const email of ['alice@example.com', 'alice@example.com', 'alice@example.com', 'alice@example.com', 'nobody@example.com']) {
        const res = await client.signIn(email, PASSWORD);
        expect(res.status, email).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        const html = await res.text();
        expect(html).toContain('Too many sign-ins at this moment. Try again in a few seconds.');
        expect(html).toContain(`value="${email}"`); // what was typed stays in the form
        expect(res.headers.getSetCookie().some((c) => c.startsWith('recourse_session='))).toBe(false);
      }
    } finally {
      await stop();
    }
    expect(await failedSignIns()).toBe(0);
    const metrics = await (await fetch(`${gw.url}${P}/metrics`)).text();
    expect(Number(/^recourse_password_hashes_refused_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5);

    // Five refusals and no ban: the right password now signs in.
    const res = await client.signIn('alice@example.com', PASSWORD, '/page');
    expect(res.status).toBe(303);
    expect((await client.request('/page')).status).toBe(200);
  });

  it('a password change is refused with 503 without spending its link, which works once there is room', async () => {
    const { token } = await bootstrapAdmin(gw.storage.db, gw.clock, gw.config.session.secret, 'root@example.com', 'cli');
    const client = new TestClient(gw.url);
    await client.page(`${P}/password/reset?token=${token}`);
    const stop = await occupyHashSlots();
    try {
      const refused = await client.postForm(`${P}/password/reset`, { token, password: 'a strong passphrase' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.text()).toBe('Too many sign-ins at this moment. Try again in a few seconds.');
    } finally {
      await stop();
    }
    expect((await client.postForm(`${P}/password/reset`, { token, password: 'a strong passphrase' })).status).toBe(303);
    expect((await client.signIn('root@example.com', 'a strong passphrase')).status).toBe(303);
  });
});
