/**
 * `recourse directory sync [--apply]` against a real OpenLDAP: the dry run prints and changes
 * nothing; --apply creates, changes and disables (ending sessions), audited `directory.synced`;
 * an address held by a local account is skipped, and a listing of nobody disables nobody.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, findUserByEmail, listUsers } from '../../db/queries/users.js';
import { auditLog } from '../../db/schema/index.js';
import type { CommandContext, CommandValues } from '../../gateway/cli/context.js';
import { DB_COMMANDS } from '../../gateway/cli/commands/registry.js';
import { loadConfig } from '../../gateway/config/load.js';
import { FixedClock } from '../../gateway/core/clock.js';
import { createSessionManager } from '../../gateway/session/manager.js';
import { TEST_SECRET } from '../support/gateway.js';
import { directoryConfig, hasSlapd, SLAPD_MISSING, startSlapd, type RunningSlapd } from '../support/slapd.js';
import { openTestStorage } from '../support/storage.js';

if (!hasSlapd) console.warn(`skipping directory sync tests: ${SLAPD_MISSING}`);

describe.skipIf(!hasSlapd)('recourse directory sync', () => {
  let slapd: RunningSlapd;
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let dir: string;
  const clock = new FixedClock('2026-06-01T08:00:00Z');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-dir-test-'));
    slapd = await startSlapd();
    storage = await openTestStorage();
  });
  afterAll(async () => {
    await storage?.close();
    await slapd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(values: CommandValues, ldap: Record<string, unknown> = {}) {
    const config = loadConfig({ object: { session: { secret: TEST_SECRET }, ...directoryConfig(slapd, dir, { role_groups: { admin: ['admins'] }, ...ldap }) }, env: {} });
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = { db: storage.db, config, clock, out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await DB_COMMANDS['directory sync']!.run(ctx, values);
    return { code, out, err };
  }

  it('prints the plan, changes nothing without --apply, then applies it', async () => {
    await createUser(storage.db, { email: 'bob@example.org', name: 'Local Bob' }, clock.now());
    const dry = await run({});
    expect(dry.code).toBe(0);
    expect(dry.out).toEqual([
      'create  alice@example.org  (alice)',
      'skip    bob@example.org  (uid=bob,ou=people,dc=example,dc=org): the address belongs to a local account',
      '1 to create, 0 to change, 0 to disable, 1 skipped.',
      'Nothing changed (dry run). Run again with --apply to make these changes.',
    ]);
    expect(await findUserByEmail(storage.db, 'alice@example.org')).toBeUndefined();

    const applied = await run({ apply: true });
    expect(applied.code).toBe(0);
    expect(applied.out.at(-1)).toBe('Applied: 1 created, 0 changed, 0 disabled, 0 sessions ended.');
    expect(await findUserByEmail(storage.db, 'alice@example.org')).toMatchObject({ role: 'admin', active: true });
    expect((await findUserByEmail(storage.db, 'bob@example.org'))!.directoryId).toBeNull();
    const [synced] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'directory.synced'));
    expect(synced).toMatchObject({ actorLabel: 'cli', details: { trigger: 'sync', created: 1, conflicts: 1 } });
  });

  it('a listing of nobody (a wrong filter) disables nobody; a real removal disables and ends sessions', async () => {
    const alice = (await findUserByEmail(storage.db, 'alice@example.org'))!;
    const nobody = await run({ apply: true }, { users_filter: '(&(uid={input})(objectClass=nothingLikeThis))' });
    expect(nobody.err.join('\n')).toContain('listed no users while 1 linked users are active; nobody is disabled');
    expect((await findUserByEmail(storage.db, 'alice@example.org'))!.active).toBe(true);

    const sessions = createSessionManager({ db: storage.db, clock, secret: TEST_SECRET, maxAgeMs: 3_600_000, idleTimeoutMs: 1_800_000, recheckMs: 0 });
    const { cookieValue } = await sessions.issue(storage.db, { userId: alice.id, authLevel: 1 });
    await slapd.modify('dn: uid=alice,ou=people,dc=example,dc=org\nchangetype: delete\n');
    const removed = await run({ apply: true });
    expect(removed.out).toContain('disable alice@example.org  (no longer in the directory)');
    expect(removed.out.at(-1)).toBe('Applied: 0 created, 0 changed, 1 disabled, 1 sessions ended.');
    expect(await sessions.resolve(cookieValue)).toBeNull();
    expect((await listUsers(storage.db)).find((u) => u.id === alice.id)!.active).toBe(false);
  });

  it('names the keys when the service account is refused', async () => {
    const refused = await run({}, { bind_password: 'wrong' });
    expect(refused).toMatchObject({ code: 1, err: ['directory sync: directory.ldap.bind_dn, directory.ldap.bind_password_file: the directory refused cn=recourse,ou=services,dc=example,dc=org (invalid credentials)'] });
  });
});
