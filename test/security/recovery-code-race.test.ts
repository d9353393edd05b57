// Attack: someone who has the password and an admin-issued recovery code (read over the user's
// shoulder, or forwarded mail) fires it from many sessions on two instances at once, hoping a
// check-then-update lets it in more than once (SECURITY R1, F2).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, recoveryCodes, sessions } from '../../db/schema/index.js';
import { issueRecoveryCode } from '../../gateway/recovery/recovery-codes.js';
import { TEST_SECRET } from '../support/gateway.js';
import { RACE_ATTEMPTS, raceForm, startRaceGateways, type RaceSetup } from '../support/race.js';
import { usingPostgres } from '../support/storage.js';

const P = '/.recourse';
const ATTEMPTS = RACE_ATTEMPTS;
let race: RaceSetup;
let storage: RaceSetup['storage'];
let gateways: RaceSetup['gateways'];
let userId = '';

beforeAll(async () => {
  race = await startRaceGateways();
  ({ storage, gateways, userId } = race);
});
afterAll(async () => {
  await race?.close();
});

describe(`one recovery code, ${ATTEMPTS} concurrent submissions (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('signs in exactly once', async () => {
    const now = gateways[0]!.clock.now();
    const issued = await storage.db.transaction((tx) => issueRecoveryCode(tx, { serverSecret: TEST_SECRET, userId, requestId: null, issuedBy: null, now, ttlMs: 3_600_000 }));

    const { answers } = await raceForm(gateways, `${P}/2fa/recovery-code`, { code: issued.code, rd: '/' });
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
