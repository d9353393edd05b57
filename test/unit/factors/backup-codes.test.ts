import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client.js';
import { insertBackupCodeSet } from '../../../db/queries/backup-codes.js';
import { createUser } from '../../../db/queries/users.js';
import { FixedClock } from '../../../gateway/core/clock.js';
import {
  BACKUP_CODE_DISPLAY_TTL_MS,
  countUnusedBackupCodes,
  generateBackupCodeSet,
  hasFreshSecondFactor,
  hashBackupCode,
  redeemBackupCode,
  revealBackupCodes,
  type BackupCodeDeps,
} from '../../../gateway/factors/backup-codes.js';
import { parsePolicyFiles } from '../../../gateway/policy/load.js';
import type { Policy } from '../../../gateway/policy/schema.js';
import { openTestStorage } from '../../support/storage.js';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123456789';
const clock = new FixedClock('2026-05-04T10:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let policy: Policy;
const deps: BackupCodeDeps = { config: { session: { secret: SECRET } }, clock, policies: { current: () => ({ policy }) } };

function policyOf(text: string): Policy {
  const outcome = parsePolicyFiles([{ name: 'p.yaml', path: 'p.yaml', text }]);
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.policy;
}

async function addUser(email: string, type: 'user' | 'employee' | 'customer' = 'user'): Promise<{ id: string; role: string; type: string }> {
  const outcome = await createUser(storage.db, { email, type }, clock.now());
  if (!outcome.ok) throw new Error('duplicate');
  return { id: outcome.user.id, role: outcome.user.role, type: outcome.user.type };
}

async function generate(userId: string): Promise<string[]> {
  const made = await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, userId, 'system', '192.0.2.1'));
  if (!made.ok) throw new Error(made.reason);
  const shown = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, userId));
  if (!shown.ok) throw new Error(shown.reason);
  return shown.codes;
}

const redeem = (user: { id: string; role: string; type: string }, typed: string) =>
  storage.db.transaction((tx) => redeemBackupCode(tx, deps, { user, typed, ip: '192.0.2.9' }));

beforeAll(async () => {
  storage = await openTestStorage();
  policy = policyOf('{}');
});
afterAll(async () => {
  await storage?.close();
});

describe('hashBackupCode', () => {
  it('binds the hash to the user, so a row copied to another account does not match', () => {
    const a = hashBackupCode(SECRET, '00000000-0000-4000-8000-000000000001', 'XK9P2QM7');
    const b = hashBackupCode(SECRET, '00000000-0000-4000-8000-000000000002', 'XK9P2QM7');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(hashBackupCode('another-secret-another-secret-another-secret', '00000000-0000-4000-8000-000000000001', 'XK9P2QM7')).not.toBe(a);
  });
});

describe('generateBackupCodeSet / revealBackupCodes', () => {
  it('makes `count` codes of the alphabet, shows them once, and stores no plaintext', async () => {
    const user = await addUser('gen@example.com');
    const codes = await generate(user.id);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(10);
    expect(await countUnusedBackupCodes(storage.db, user.id)).toBe(10);
    const again = await storage.db.transaction((tx) => revealBackupCodes(tx, deps, user.id));
    expect(again).toEqual({ ok: false, reason: 'nothing_waiting' });

    // SECURITY B2: nothing in the tables reveals a code, not even the sealed display once shown.
    const dump = JSON.stringify([
      rowsOf(await storage.db.execute(sql`select * from backup_codes`)),
      rowsOf(await storage.db.execute(sql`select * from backup_code_displays`)),
      rowsOf(await storage.db.execute(sql`select * from audit_log`)),
    ]);
    for (const code of codes) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replace('-', ''));
    }
    const [display] = rowsOf<{ sealed_codes: string; shown_at: unknown }>(await storage.db.execute(sql`select sealed_codes, shown_at from backup_code_displays where user_id = ${user.id}`));
    expect(display?.sealed_codes).toBe('');
    expect(display?.shown_at).not.toBeNull();
  });

  it('voids the previous set when a new one is generated', async () => {
    const user = await addUser('regen@example.com');
    const first = await generate(user.id);
    const second = await generate(user.id);
    expect(await countUnusedBackupCodes(storage.db, user.id)).toBe(10);
    expect(await redeem(user, first[0]!)).toEqual({ ok: false, reason: 'invalid' });
    expect(await redeem(user, second[0]!)).toMatchObject({ ok: true, codesLeft: 9 });
  });

  it('does not show a set whose display expired unseen', async () => {
    const user = await addUser('late@example.com');
    await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, user.id, 'system', null));
    clock.advance(BACKUP_CODE_DISPLAY_TTL_MS + 1);
    expect(await storage.db.transaction((tx) => revealBackupCodes(tx, deps, user.id))).toEqual({ ok: false, reason: 'nothing_waiting' });
  });

  it('follows the policy length (longer codes get more groups)', async () => {
    const user = await addUser('long@example.com');
    policy = policyOf('factors: {backup_codes: {count: 4, length: 10, low_threshold: 1}}');
    try {
      const codes = await generate(user.id);
      expect(codes).toHaveLength(4);
      for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    } finally {
      policy = policyOf('{}');
    }
  });

  it('refuses a user whose role the policy leaves out', async () => {
    const user = await addUser('cust@example.com', 'customer');
    policy = policyOf('factors: {backup_codes: {roles: [employee]}}');
    try {
      const made = await storage.db.transaction((tx) => generateBackupCodeSet(tx, deps, user.id, 'system', null));
      expect(made).toEqual({ ok: false, reason: 'not_allowed' });
      expect(await countUnusedBackupCodes(storage.db, user.id)).toBe(0);
    } finally {
      policy = policyOf('{}');
    }
  });
});

describe('redeemBackupCode', () => {
  it('accepts each code once, ignoring dashes, spaces, case and Crockford look-alikes', async () => {
    const user = await addUser('redeem@example.com');
    const codes = await generate(user.id);
    const [a, b] = codes as [string, string];
    expect(await redeem(user, ` ${a.toLowerCase().replace('-', ' - ')} `)).toMatchObject({ ok: true, codesLeft: 9 });
    expect(await redeem(user, a)).toEqual({ ok: false, reason: 'invalid' });
    expect(await redeem(user, b.replace('-', '\u2013'))).toMatchObject({ ok: true, codesLeft: 8 });
    expect(await redeem(user, 'not a code!')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('reads O as 0 and I, L as 1 (Crockford), since the alphabet has none of them', async () => {
    const user = await addUser('crockford@example.com');
    await insertBackupCodeSet(storage.db, {
      userId: user.id, setId: randomUUID(), now: clock.now(), codeHashes: [hashBackupCode(SECRET, user.id, '0110ABCD')],
    });
    expect(await redeem(user, 'oIl0-abcd')).toMatchObject({ ok: true, codesLeft: 0 });
  });

  it('refuses a code of another user', async () => {
    const owner = await addUser('owner-of-code@example.com');
    const thief = await addUser('thief@example.com');
    const [code] = await generate(owner.id);
    await generate(thief.id);
    expect(await redeem(thief, code!)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses old codes once the policy stops allowing the role', async () => {
    const user = await addUser('demoted@example.com', 'customer');
    const [code] = await generate(user.id);
    policy = policyOf('factors: {backup_codes: {roles: [employee]}}');
    try {
      expect(await redeem(user, code!)).toEqual({ ok: false, reason: 'not_allowed' });
    } finally {
      policy = policyOf('{}');
    }
    expect(await countUnusedBackupCodes(storage.db, user.id)).toBe(10);
  });
});

describe('hasFreshSecondFactor', () => {
  const now = Date.parse('2026-05-04T10:00:00Z');
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
  it('needs a level-2, unrestricted session whose second factor is at most 10 minutes old', () => {
    expect(hasFreshSecondFactor({ authLevel: 2, restricted: false, secondFactorAt: at(0) }, now)).toBe(true);
    expect(hasFreshSecondFactor({ authLevel: 2, restricted: false, secondFactorAt: at(10) }, now)).toBe(true);
    expect(hasFreshSecondFactor({ authLevel: 2, restricted: false, secondFactorAt: at(10.01) }, now)).toBe(false);
    expect(hasFreshSecondFactor({ authLevel: 2, restricted: true, secondFactorAt: at(1) }, now)).toBe(false);
    expect(hasFreshSecondFactor({ authLevel: 1, restricted: false, secondFactorAt: null }, now)).toBe(false);
    expect(hasFreshSecondFactor({ authLevel: 2, restricted: false, secondFactorAt: null }, now)).toBe(false);
  });
});
