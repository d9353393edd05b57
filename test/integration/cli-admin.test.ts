import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { apiTokens, auditLog, backupCodes, sessions, signingKeys, totpFactors, users } from '../../db/schema/index.js';
import type { CommandContext, CommandValues } from '../../gateway/cli/context.js';
import { DB_COMMANDS } from '../../gateway/cli/commands/registry.js';
import { loadConfig } from '../../gateway/config/load.js';
import { FixedClock } from '../../gateway/core/clock.js';
import { createSessionManager } from '../../gateway/session/manager.js';
import { sha256Hex } from '../../gateway/security/hash.js';
import { openTestStorage } from '../support/storage.js';
import { TEST_SECRET } from '../support/gateway.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
const clock = new FixedClock('2026-06-01T08:00:00Z');
const config = loadConfig({ object: { session: { secret: TEST_SECRET } }, env: {} });

async function run(command: string, values: CommandValues, stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { db: storage.db, config, clock, out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await DB_COMMANDS[command]!.run(ctx, values, stdin);
  return { code, out, err };
}

beforeAll(async () => { storage = await openTestStorage(); });
afterAll(async () => { await storage?.close(); });

describe('admin commands', () => {
  it('user add, disable (ending sessions), enable and set-role', async () => {
    const added = await run('user add', { email: 'ops@example.com', name: 'Ops', 'password-stdin': true }, 'a good long password\n');
    expect(added.code).toBe(0);
    const id = added.out[0]!;
    const manager = createSessionManager({ db: storage.db, clock, secret: TEST_SECRET, maxAgeMs: 3_600_000, idleTimeoutMs: 1_800_000, recheckMs: 0 });
    const { cookieValue } = await manager.issue(storage.db, { userId: id, authLevel: 1 });
    expect(await manager.resolve(cookieValue)).not.toBeNull();

    expect((await run('user disable', { email: 'OPS@example.com' })).code).toBe(0);
    expect(await manager.resolve(cookieValue)).toBeNull();
    const [disabled] = await storage.db.select().from(users).where(eq(users.id, id));
    expect(disabled!.active).toBe(false);
    const [audited] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'user.disabled'));
    expect(audited).toMatchObject({ actorLabel: 'cli', userId: id, details: { sessions_revoked: 1 } });
    expect(disabled!.disabledByAdmin).toBe(true);
    expect((await run('user enable', { email: 'ops@example.com' })).code).toBe(0);
    expect(await storage.db.select().from(auditLog).where(eq(auditLog.event, 'user.enabled'))).toHaveLength(1);

    const role = await run('user set-role', { email: 'ops@example.com', role: 'admin', 'data-protection': '2', 'expert-mode': true });
    expect(role.code).toBe(0);
    const [admin] = await storage.db.select().from(users).where(eq(users.id, id));
    expect(admin).toMatchObject({ role: 'admin', dataProtectionLevel: 2, expertMode: true });
    expect((await run('user set-role', { email: 'ops@example.com', role: 'emperor' })).code).toBe(1);
    expect((await run('user disable', { email: 'ghost@example.com' })).err[0]).toContain('no user with email');
  });

  it('user list --json reports each user\'s second-factor state and unused backup codes', async () => {
    const [ops] = await storage.db.select().from(users).where(eq(users.email, 'ops@example.com'));
    const now = clock.now();
    await storage.db.insert(totpFactors).values({ id: randomUUID(), userId: ops!.id, secretSealed: 'x', createdAt: now, confirmedAt: now });
    const setId = randomUUID();
    await storage.db.insert(backupCodes).values([0, 1, 2].map((i) => ({ id: randomUUID(), userId: ops!.id, setId, codeHash: `h${i}`, createdAt: now, ...(i === 0 ? { usedAt: now } : {}) })));
    const listed = await run('user list', { json: true });
    const rows = JSON.parse(listed.out.join('\n')) as Array<{ email: string; two_factor: boolean; backup_codes_left: number }>;
    expect(rows.find((r) => r.email === 'ops@example.com')).toMatchObject({ two_factor: true, backup_codes_left: 2 });
  });

  it('token create prints a token stored only as its hash; revoke ends it', async () => {
    const created = await run('token create', { name: 'ci', user: 'ops@example.com' });
    expect(created.code).toBe(0);
    const token = created.out[0]!;
    expect(token).toMatch(/^rcs_[A-Za-z0-9_-]{40,}$/);
    const [row] = await storage.db.select().from(apiTokens).where(eq(apiTokens.name, 'ci'));
    expect(row!.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await run('token revoke', { name: 'ci' })).code).toBe(0);
    expect((await run('token revoke', { name: 'ci' })).code).toBe(1);
  });

  it('user reset-2fa revokes sessions and is audited with actor cli and the reason', async () => {
    const [user] = await storage.db.select().from(users).where(eq(users.email, 'ops@example.com'));
    const manager = createSessionManager({ db: storage.db, clock, secret: TEST_SECRET, maxAgeMs: 3_600_000, idleTimeoutMs: 1_800_000, recheckMs: 0 });
    await manager.issue(storage.db, { userId: user!.id, authLevel: 2 });
    expect((await run('user reset-2fa', { email: 'ops@example.com' })).code).toBe(2);
    const reset = await run('user reset-2fa', { email: 'ops@example.com', reason: 'Lost phone, verified by call' });
    expect(reset.code).toBe(0);
    const live = await storage.db.select().from(sessions).where(sql`${sessions.userId} = ${user!.id} and ${sessions.revokedAt} is null`);
    expect(live).toHaveLength(0);
    const [row] = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'second_factor.reset'));
    expect(row).toMatchObject({ actorLabel: 'cli', userId: user!.id, reason: 'Lost phone, verified by call' });
  });

  it('audit verify accepts the chain, then reports the first altered row', async () => {
    const ok = await run('audit verify', {});
    expect(ok.code).toBe(0);
    expect(ok.out[0]).toMatch(/audit chain intact: \d+ rows/);
    const rows = await storage.db.select().from(auditLog).orderBy(auditLog.id);
    expect(rows.length).toBeGreaterThan(3);
    const victim = rows[2]!;
    await storage.db.update(auditLog).set({ reason: 'nothing happened' }).where(eq(auditLog.id, victim.id));
    const broken = await run('audit verify', {});
    expect(broken.code).toBe(1);
    expect(broken.err[0]).toContain(`broken at row ${victim.id}`);
  });

  it('audit export writes CSV with a header and defuses formulas', async () => {
    await run('user add', { email: 'formula@example.com', name: '=HYPERLINK("x")' });
    const exported = await run('audit export', {});
    expect(exported.code).toBe(0);
    expect(exported.out[0]).toBe('id,at,event,actor_id,actor_label,user_id,ip,location,reason,details,request_id,hash');
    expect(exported.out.length).toBeGreaterThan(5);
    expect((await run('audit export', { format: 'xml' })).code).toBe(2);
  });
});

describe('keys rotate', () => {
  const keys = () => storage.db.select().from(signingKeys).orderBy(signingKeys.createdAt, signingKeys.signsFrom);
  const minutes = (from: Date, to: Date | null) => to === null ? null : (to.getTime() - from.getTime()) / 60_000;

  it('starts the first key at once, then publishes each new one 15 minutes before it signs; --now stops every older key now', async () => {
    const first = await run('keys rotate', {});
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(/^New signing key \S+: published now, signs from 2026-06-01T08:00:00.000Z\.$/);

    clock.advance(60_000);
    const second = await run('keys rotate', {});
    expect(second.out.join('\n')).toMatch(/signs from 2026-06-01T08:16:00.000Z\.\nRetired \S+: signs until then, published until 2026-06-01T08:18:00.000Z\./);
    let rows = await keys();
    expect(rows.map((row) => [minutes(clock.now(), row.signsFrom), minutes(clock.now(), row.retiredAt), minutes(clock.now(), row.publishedUntil)])).toEqual([[-1, 15, 17], [15, null, null]]);

    clock.advance(60_000);
    const third = await run('keys rotate', { now: true });
    expect(third.code).toBe(0);
    rows = await keys();
    // The waiting key never signs, the current one stops now; both stay published 2 minutes.
    expect(rows.map((row) => [minutes(clock.now(), row.signsFrom), minutes(clock.now(), row.retiredAt), minutes(clock.now(), row.publishedUntil)])).toEqual([[-2, 0, 2], [14, 0, 2], [0, null, null]]);
    const audited = await storage.db.select().from(auditLog).where(eq(auditLog.event, 'keys.rotated'));
    expect(audited.map((row) => (row.details as { immediately: boolean }).immediately)).toEqual([false, false, true]);
  });
});
