// A gateway killed with SIGKILL (power cut, OOM killer) in the middle of a burst of sign-ins and
// backup-code uses (SECURITY F2, U2): consuming a code, creating the session and writing the audit
// row happen in one transaction, so after a restart nothing is half-written or lost. The audit
// chain verifies (`recourse audit verify`, through the CLI with no gateway running for embedded
// storage); every backup code is either spent exactly once with its audit row or still usable;
// every session a browser was given still works, and sessions match their audit rows one for one.
import { eq } from 'drizzle-orm';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../db/client.js';
import { createUser } from '../../db/queries/users.js';
import { auditLog, backupCodes, sessions } from '../../db/schema/index.js';
import { systemClock } from '../../gateway/core/clock.js';
import { generateBackupCodeSet, revealBackupCodes } from '../../gateway/factors/backup-codes.js';
import { defaultPolicy } from '../../gateway/policy/load.js';
import { hashPassword } from '../../gateway/security/password.js';
import { TestClient } from '../support/client.js';
import { cleanUp, createDatabase, runCli, startServe, writeInstallFrom, type Install } from './child.js';

const P = '/.recourse';
const SLOW = 240_000;
const PASSWORD = 'sigkill test password';
const SECRET = 'sigkill-secret-sigkill-secret-sigkill-secret-01';
const USERS = 4;
const WORKERS_PER_USER = 2;
// Killed once this many codes have been accepted: the rest of the burst is still in flight or queued.
const KILL_AFTER_ACCEPTED = 6;

afterAll(cleanUp, SLOW);

type Outcome = 'accepted' | 'refused' | 'unknown' | 'untried';
interface Holder { email: string; userId: string; codes: string[] }

/** Users with passwords and a revealed backup-code set, written straight into the database. */
async function seed(storage: Storage): Promise<Holder[]> {
  await storage.migrate();
  const deps = { config: { session: { secret: SECRET } }, clock: systemClock, policies: { current: () => ({ policy: defaultPolicy() }) } };
  const passwordHash = await hashPassword(PASSWORD);
  const holders: Holder[] = [];
  for (let i = 0; i < USERS; i++) {
    const email = `burst${i}@example.com`;
    const created = await createUser(storage.db, { email, name: '', role: 'user', type: 'user', passwordHash, dataProtectionLevel: 0, expertMode: false, phone: null }, new Date());
    if (!created.ok) throw new Error(`${email} exists`);
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, created.user.id, 'system', null));
    const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, created.user.id));
    if (!shown.ok) throw new Error(shown.reason);
    holders.push({ email, userId: created.user.id, codes: shown.codes });
  }
  return holders;
}

/**
 * Workers sign in and spend the users' codes, one code per sign-in, until the gateway is killed.
 * Returns what each code's submitter learned and the session cookie of every browser that got its
 * last answer (one whose request the kill cut off may hold a session replaced in a committed step-up).
 */
async function burstUntilKilled(install: Install, holders: Holder[], kill: () => void) {
  const outcomes = new Map<string, Outcome>(holders.flatMap((h) => h.codes.map((code) => [code, 'untried' as Outcome])));
  const handedOut: string[] = [];
  let accepted = 0;
  let dead = false;
  const keep = (client: TestClient) => { const cookie = client.cookies.get('recourse_session'); if (cookie) handedOut.push(cookie); };

  const worker = async (holder: Holder) => {
    while (!dead) {
      const code = holder.codes.find((c) => outcomes.get(c) === 'untried');
      if (!code) return;
      outcomes.set(code, 'unknown');
      const client = new TestClient(install.url);
      try {
        if ((await client.signIn(holder.email, PASSWORD)).status !== 303) throw new Error('sign-in refused');
        await client.page(`${P}/2fa/backup-code`);
        const res = await client.postForm(`${P}/2fa/backup-code`, { code, rd: '/' });
        outcomes.set(code, res.status === 303 ? 'accepted' : 'refused');
        // The browser's session now: the stepped-up one (the password session it replaced is revoked).
        keep(client);
        if (res.status === 303) {
          if (++accepted === KILL_AFTER_ACCEPTED) {
            dead = true;
            kill();
          }
        }
      } catch {
        // The gateway died under this request: whatever happened to the code is checked after restart.
        if (outcomes.get(code) === 'unknown' && !dead) outcomes.set(code, 'untried');
      }
    }
  };
  await Promise.all(holders.flatMap((holder) => Array.from({ length: WORKERS_PER_USER }, () => worker(holder))));
  return { outcomes, handedOut };
}

async function survivesSigkill(install: Install, open: () => Promise<Storage>): Promise<void> {
  const seeding = await open();
  const holders = await seed(seeding);
  await seeding.close();

  const first = await startServe(install);
  const { outcomes, handedOut } = await burstUntilKilled(install, holders, () => first.child.kill('SIGKILL'));
  await first.exited;
  expect(first.child.signalCode).toBe('SIGKILL');
  expect([...outcomes.values()].filter((o) => o === 'accepted').length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
  expect([...outcomes.values()]).not.toContain('refused');

  const second = await startServe(install);
  // Every session a browser was left holding survived the kill.
  for (const cookie of handedOut) {
    const res = await fetch(`${install.url}/still-here`, { headers: { cookie: `recourse_session=${cookie}` }, redirect: 'manual' });
    expect(res.status).toBe(200);
  }
  // Accepted codes stay spent; every other code was either spent before the kill or works now.
  for (const holder of holders) {
    const client = new TestClient(install.url);
    expect((await client.signIn(holder.email, PASSWORD)).status).toBe(303);
    await client.page(`${P}/2fa/backup-code`);
    for (const code of holder.codes) {
      const status = (await client.postForm(`${P}/2fa/backup-code`, { code, rd: '/' })).status;
      if (outcomes.get(code) === 'accepted') expect(status).toBe(401);
      else expect([303, 401]).toContain(status);
    }
  }
  expect(await second.stop()).toBe(0);

  const verify = await runCli(['audit', 'verify', '--config', install.configFile]);
  expect(verify.stderr).toBe('');
  expect(verify.code).toBe(0);
  expect(verify.stdout).toMatch(/^audit chain intact: \d+ rows/);

  const storage = await open();
  try {
    const used = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'backup_code.used'));
    const usesOf = (codeId: string) => used.filter((row) => row.details.code_id === codeId).length;
    for (const holder of holders) {
      const rows = await storage.db.select().from(backupCodes).where(eq(backupCodes.userId, holder.userId));
      expect(rows).toHaveLength(holder.codes.length);
      for (const row of rows) {
        expect(row.usedAt).not.toBeNull();
        expect(usesOf(row.id)).toBe(1);
      }
    }
    expect(used).toHaveLength(USERS * holders[0]!.codes.length);
    // One session per password sign-in and per second factor, each with its audit row.
    const count = async (event: string) => (await storage.db.select().from(auditLog).where(eq(auditLog.event, event))).length;
    const levelCount = async (level: number) => (await storage.db.select().from(sessions).where(eq(sessions.authLevel, level))).length;
    expect(await levelCount(1)).toBe(await count('login.succeeded'));
    expect(await levelCount(2)).toBe(await count('second_factor.succeeded'));
    expect(await count('second_factor.succeeded')).toBe(used.length);
  } finally {
    await storage.close();
  }
}

const installFor = (databaseUrl: string) => writeInstallFrom({ session: { secret: SECRET }, storage: { database_url: databaseUrl } });

describe('SIGKILL in the middle of sign-ins and backup-code uses', () => {
  it('embedded storage: restarts with nothing lost or half-written', async () => {
    const install = await installFor('');
    await survivesSigkill(install, () => openStorage({ databaseUrl: '', dataDir: path.join(install.dir, 'data') }));
  }, SLOW);

  it.runIf(Boolean(process.env.DATABASE_URL))('PostgreSQL: restarts with nothing lost or half-written', async () => {
    const databaseUrl = await createDatabase(process.env.DATABASE_URL!);
    const install = await installFor(databaseUrl);
    await survivesSigkill(install, () => openStorage({ databaseUrl, dataDir: '', poolSize: 2 }));
  }, SLOW);
});
