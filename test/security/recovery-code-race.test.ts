// Attack: someone who has the password and an admin-issued recovery code (read over the user's
// shoulder, or forwarded mail) fires it from many sessions on two instances at once, hoping a
// check-then-update lets it in more than once (SECURITY R1, F2).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, recoveryCodes, sessions } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage, usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const ATTEMPTS = 20;
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gateways: TestGateway[] = [];
let userId = '';

beforeAll(async () => {
  storage = await openTestStorage();
  gateways = [await startTestGateway({ storage }), await startTestGateway({ storage })];
  userId = await gateways[0]!.addUser({ email: 'victim@example.com', password: PASSWORD });
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await storage?.close();
});

describe(`one recovery code, ${ATTEMPTS} concurrent submissions (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('signs in exactly once', async () => {
    const now = gateways[0]!.clock.now();
    const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now, ttlMs: 3_600_000 }));

    const clients: TestClient[] = [];
    for (let i = 0; i < ATTEMPTS; i++) {
      const client = new TestClient(gateways[i % 2]!.url);
      expect((await client.signIn('victim@example.com', PASSWORD)).status).toBe(303);
      expect((await client.page(`${P}/2fa/recovery-code`)).res.status).toBe(200);
      clients.push(client);
    }

    const answers = await Promise.all(clients.map((client) => client.postForm(`${P}/2fa/recovery-code`, { code: issued.code, rd: '/' })));
    const winners = answers.filter((res) => res.status === 303 && res.headers.get('location')?.startsWith(`${P}/enroll`));
    expect(winners).toHaveLength(1);
    // The rest were refused: a wrong-code answer, or (their session revoked by the winner) sent to sign in.
    for (const res of answers.filter((r) => !winners.includes(r))) {
      expect(res.status === 401 || (res.status === 303 && res.headers.get('location')?.startsWith(`${P}/login`))).toBe(true);
    }

    const [code] = await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    expect(code!.usedAt).not.toBeNull();
    const events = async (event: string) => (await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;
    expect(await events('recovery_code.used')).toBe(1);
    expect(await events('second_factor.succeeded')).toBe(1);
    // One session survives: the winner's, restricted to enrolment.
    const live = (await storage.db.select().from(sessions).where(eq(sessions.userId, userId))).filter((s) => s.revokedAt === null);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ restricted: true, authLevel: 2 });
  });
});
