// Attack: an attacker who has the password and one backup code (shoulder-surfed, or read off a
// photo of the printed sheet) fires the same code from many sessions at once, across two gateway
// instances, hoping a check-then-update lets it through more than once (SECURITY B3, F2).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, backupCodes, outbox } from '../../db/schema/index.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
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

describe(`one backup code, ${ATTEMPTS} concurrent submissions (${usingPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('succeeds exactly once', async () => {
    const gw = gateways[0]!;
    const deps = { config: gw.config, clock: gw.clock, policies: gw.running.policies };
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', null));
    const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
    if (!shown.ok) throw new Error(shown.reason);
    const code = shown.codes[0]!;

    // Twenty separate password-only sessions, half on each instance, each holding its form's CSRF token.
    const { clients, answers } = await raceForm(gateways, `${P}/2fa/backup-code`, { code, rd: '/' });
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(ATTEMPTS - 1);

    const used = await storage.db.select().from(backupCodes).where(eq(backupCodes.userId, userId));
    expect(used.filter((row) => row.usedAt !== null)).toHaveLength(1);
    const events = async (event: string) => (await storage.db.select().from(auditLog).where(and(eq(auditLog.userId, userId), eq(auditLog.event, event)))).length;
    expect(await events('backup_code.used')).toBe(1);
    expect(await events('second_factor.succeeded')).toBe(1);
    expect(await events('second_factor.failed')).toBe(ATTEMPTS - 1);
    const mails = await storage.db.select().from(outbox).where(and(eq(outbox.userId, userId), eq(outbox.kind, 'backup_code_used')));
    expect(mails).toHaveLength(1);

    // Exactly one of the twenty sessions became a second-factor session.
    const levels = await Promise.all(clients.map(async (client) => (await gateways[0]!.running.sessions.resolve(client.cookies.get('recourse_session')))?.authLevel));
    expect(levels.filter((level) => level === 2)).toHaveLength(1);
  });
});
