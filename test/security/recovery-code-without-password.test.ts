// Attack: the recovery-code page now takes an email and a code from someone with no session, and a
// good pair resets the password (issue 28 item 6). Three ways to abuse it: fire one code from many
// connections on two instances at once, hoping it works twice (SECURITY R1, F2, L1); tell an
// account's email from an unknown one by the answer (A1); and guess codes without limit (L1).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, recoveryCodes, sessions, userTokens } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { TestClient } from '../support/client.js';
import { TEST_SECRET } from '../support/gateway.js';
import { RACE_ATTEMPTS, startRaceGateways, VICTIM, type RaceSetup } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
// Login regulation also bans the client's IP (every test client is 127.0.0.1), so each describe
// gets fresh instances with fresh counters.
let race: RaceSetup;
function freshGateways() {
  beforeAll(async () => {
    race = await startRaceGateways();
  });
  afterAll(async () => {
    await race?.close();
  });
}

async function issue(): Promise<string> {
  const { storage, gateways, userId } = race;
  const now = gateways[0].clock.now();
  const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now, ttlMs: 3_600_000 }));
  return issued.code;
}

/** A visitor with no session, holding the page's CSRF token. */
async function visitor(index: number): Promise<TestClient> {
  const client = new TestClient(race.gateways[index % 2]!.url);
  const { res } = await client.page(`${P}/2fa/recovery-code`);
  expect(res.status).toBe(200);
  return client;
}

describe(`one code, ${RACE_ATTEMPTS} visitors without a session at once (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  freshGateways();
  it('resets the password once: one link, one restricted session, one audit row', async () => {
    const { storage, userId } = race;
    const code = await issue();
    const clients = await Promise.all(Array.from({ length: RACE_ATTEMPTS }, (_, i) => visitor(i)));
    const answers = await Promise.all(clients.map((client) => client.postForm(`${P}/2fa/recovery-code`, { email: VICTIM.email, code, lost: 'both', rd: '/' })));
    const winners = answers.filter((res) => res.status === 303);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.headers.get('location')).toMatch(new RegExp(`^${P}/enroll\\?rd=${encodeURIComponent(`${P}/password/reset?token=`)}`));
    // The rest: the one refusal for a bad pair, or login regulation once three had failed.
    expect(answers.filter((res) => res.status !== 303).every((res) => res.status === 401 || res.status === 429)).toBe(true);

    const [stored] = await storage.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    expect(stored!.usedAt).not.toBeNull();
    expect(await storage.db.select().from(userTokens).where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, 'password_reset')))).toHaveLength(1);
    const used = await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, 'recovery_code.used')));
    expect(used).toHaveLength(1);
    const live = (await storage.db.select().from(sessions).where(eq(sessions.userId, userId))).filter((s) => s.revokedAt === null);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ restricted: true, authLevel: 2 });
  });
});

describe('an email with an account and one without', () => {
  freshGateways();
  it('get the same answer to a wrong code, and the same login regulation after three failures each', async () => {
    const answer = async (email: string) => {
      const client = await visitor(0);
      const res = await client.postForm(`${P}/2fa/recovery-code`, { email, code: 'AAAA-BBBB-CCCC', lost: 'password', rd: '/' });
      const body = (await res.text()).replaceAll(email, 'EMAIL').replace(/[0-9a-f]{64}/g, 'CSRF-TOKEN');
      return { status: res.status, body, cookies: res.headers.getSetCookie().map((c) => c.split('=')[0]) };
    };
    const known = await answer(VICTIM.email);
    const unknown = await answer('nobody-here@example.com');
    expect(known.status).toBe(401);
    expect(unknown).toEqual(known);
    // A third failure for an email at this address starts its ban (3 in 2 minutes, CONTRACT §3
    // and §8.4), for either email alike.
    for (let i = 0; i < 2; i++) {
      expect((await answer(VICTIM.email)).status).toBe(401);
      expect((await answer('nobody-here@example.com')).status).toBe(401);
    }
    const knownBanned = await answer(VICTIM.email);
    const unknownBanned = await answer('nobody-here@example.com');
    expect(knownBanned.status).toBe(429);
    expect(unknownBanned).toEqual(knownBanned);
  });
});
