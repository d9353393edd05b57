// Attack: covering tracks in the audit log. Someone with write access to the database (a rogue
// operator, a compromised backup job) edits the row of their sign-in, deletes a row from the
// middle, swaps two rows to change the order of events, slips in a forged row, or edits a row
// and recomputes its own hash, rewrites the whole chain after an edit, or cuts off the newest rows.
// SECURITY U2: the log is a hash chain keyed by the server secret, which a database writer does
// not hold, and `recourse audit verify` notices every one of these (a cut-off tail given the head
// recorded earlier), naming the first broken row and exiting non-zero.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, type AuditRow } from '../../db/schema/index.js';
import { auditChainKey, GENESIS_HASH, hashAuditRow } from '../../gateway/audit/chain.js';
import { sha256Hex } from '../../gateway/security/hash.js';
import { DB_COMMANDS } from '../../gateway/cli/commands/registry.js';
import type { CommandContext } from '../../gateway/cli/context.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let original: AuditRow[] = [];

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage });
  await gw.addUser({ email: 'alice@example.com', password: 'correct horse battery' });
  // A real history: sign-ins, failures, logouts.
  for (let i = 0; i < 3; i++) {
    const client = new TestClient(gw.url);
    await client.page('/.recourse/login');
    await client.postForm('/.recourse/login', { email: 'alice@example.com', password: 'not the password', rd: '/' });
    await client.signIn('alice@example.com', 'correct horse battery');
    await client.page('/.recourse/login');
    await client.postForm('/.recourse/logout', {});
  }
  original = await rows();
  expect(original.length).toBeGreaterThanOrEqual(9);
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const rows = () => storage.db.select().from(auditLog).orderBy(asc(auditLog.id));

/** Puts the untouched chain back before every case. */
beforeEach(async () => {
  if (original.length === 0) return;
  await storage.db.transaction(async (tx) => {
    await tx.delete(auditLog);
    await tx.insert(auditLog).values(original);
  });
});

async function verify(values: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { db: storage.db, config: gw.config, clock: gw.clock, out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await DB_COMMANDS['audit verify']!.run(ctx, values);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** What an attacker without the server secret can compute: a key of their own. */
const attackerKey = auditChainKey('the attacker does not know the server secret 0123456789');

/** Recomputes the chain from `from` to the end with `hash`, as a thorough forger would. */
async function rewriteFrom(from: number, edit: (row: AuditRow) => AuditRow, hash: (row: AuditRow) => string) {
  await storage.db.transaction(async (tx) => {
    let prevHash = original.find((row) => row.id === from - 1)?.hash ?? GENESIS_HASH;
    for (const row of original.filter((r) => r.id >= from)) {
      const next = { ...(row.id === from ? edit(row) : row), prevHash };
      next.hash = hash(next);
      await tx.update(auditLog).set(next).where(eq(auditLog.id, row.id));
      prevHash = next.hash;
    }
  });
}

const middle = () => original[Math.floor(original.length / 2)]!;

describe('recourse audit verify (SECURITY U2)', () => {
  it('control: the untouched chain verifies', async () => {
    const check = await verify();
    expect(check.code).toBe(0);
    expect(check.out).toContain(`audit chain intact: ${original.length} rows`);
  });

  it('notices an edited row: event, reason, ip, details or time', async () => {
    const victim = middle();
    const edits: Array<Partial<AuditRow>> = [
      { event: victim.event === 'session.revoked' ? 'logout' : 'session.revoked' }, { reason: 'nothing to see' }, { ip: '10.9.8.7' },
      { details: { ...victim.details, reason: 'bad_password' } }, { at: new Date(victim.at.getTime() + 1000) },
      { userId: victim.userId ? null : '00000000-0000-4000-8000-000000000000' },
    ];
    for (const edit of edits) {
      await storage.db.update(auditLog).set(edit).where(eq(auditLog.id, victim.id));
      const check = await verify();
      expect(check.code, JSON.stringify(edit)).not.toBe(0);
      expect(check.err).toContain(`broken at row ${victim.id}`);
      await storage.db.update(auditLog).set(victim).where(eq(auditLog.id, victim.id));
    }
  });

  it('notices a deleted middle row', async () => {
    const victim = middle();
    await storage.db.delete(auditLog).where(eq(auditLog.id, victim.id));
    const check = await verify();
    expect(check.code).not.toBe(0);
    expect(check.err).toContain(`row ${victim.id} is missing`);
  });

  it('notices two rows swapped (the order of events changed)', async () => {
    const [a, b] = [original[2]!, original[5]!];
    const content = (row: AuditRow) => ({ ...row, id: undefined });
    await storage.db.transaction(async (tx) => {
      await tx.update(auditLog).set({ ...content(b) }).where(eq(auditLog.id, a.id));
      await tx.update(auditLog).set({ ...content(a) }).where(eq(auditLog.id, b.id));
    });
    const check = await verify();
    expect(check.code).not.toBe(0);
    expect(check.err).toContain(`broken at row ${a.id}`);
  });

  it('notices a forged row slipped in, even one with a correct hash of its own', async () => {
    // Renumber the tail to make room in the middle, then insert a self-consistent forged row.
    const at = middle();
    await storage.db.transaction(async (tx) => {
      for (const row of [...original].reverse().filter((r) => r.id >= at.id)) {
        await tx.update(auditLog).set({ id: row.id + 1 }).where(eq(auditLog.id, row.id));
      }
      const previous = original.find((r) => r.id === at.id - 1)!;
      const forged = { ...at, id: at.id, event: 'login.succeeded', reason: 'forged', prevHash: previous.hash };
      await tx.insert(auditLog).values({ ...forged, hash: hashAuditRow(attackerKey, forged) });
    });
    const check = await verify();
    expect(check.code).not.toBe(0);
    expect(check.err).toContain(`broken at row ${at.id}: content does not match its hash`);
  });

  it('notices an edited row whose own hash was recomputed', async () => {
    const victim = middle();
    const edited = { ...victim, reason: 'recomputed' };
    await storage.db.update(auditLog).set({ reason: edited.reason, hash: hashAuditRow(attackerKey, edited) }).where(eq(auditLog.id, victim.id));
    const check = await verify();
    expect(check.code).not.toBe(0);
    expect(check.err).toContain(`broken at row ${victim.id}`);
  });

  it('notices a whole chain recomputed after an edit, with a guessed key or with plain SHA-256', async () => {
    const victim = middle();
    const unkeyed = (row: AuditRow) => sha256Hex(JSON.stringify([row.id, row.at.toISOString(), row.event, row.actorId, row.actorLabel, row.userId, row.ip, row.location, row.reason, row.details, row.requestId, row.prevHash]));
    for (const hash of [(row: AuditRow) => hashAuditRow(attackerKey, row), unkeyed]) {
      await rewriteFrom(victim.id, (row) => ({ ...row, reason: 'rewritten' }), hash);
      const check = await verify();
      expect(check.code).not.toBe(0);
      expect(check.err).toContain(`broken at row ${victim.id}: content does not match its hash`);
    }
  });

  it('control: the same rewrite with the real key passes, so the key is what protects the chain', async () => {
    const victim = middle();
    await rewriteFrom(victim.id, (row) => ({ ...row, reason: 'rewritten' }), (row) => hashAuditRow(auditChainKey(gw.config.session.secret), row));
    expect((await verify()).code).toBe(0);
  });

  it('prints the head, and given a head recorded earlier notices a cut-off tail', async () => {
    const last = original.at(-1)!;
    const head = `${last.id}:${last.hash}`;
    expect((await verify()).out).toContain(`head ${head}`);
    expect((await verify({ 'expect-head': head })).code).toBe(0);

    await storage.db.delete(auditLog).where(eq(auditLog.id, last.id));
    expect((await verify()).code, 'a shorter chain is still a valid chain').toBe(0);
    const cut = await verify({ 'expect-head': head });
    expect(cut.code).not.toBe(0);
    expect(cut.err).toContain(`broken at row ${last.id}`);
    expect(cut.err).toContain('cut off');
  });

  it('notices a recorded head whose row was replaced, and refuses a malformed head', async () => {
    const recorded = original[3]!;
    await rewriteFrom(recorded.id, (row) => ({ ...row, reason: 'replaced' }), (row) => hashAuditRow(auditChainKey(gw.config.session.secret), row));
    const check = await verify({ 'expect-head': `${recorded.id}:${recorded.hash}` });
    expect(check.code).not.toBe(0);
    expect(check.err).toContain(`broken at row ${recorded.id}: differs from the recorded head`);
    expect((await verify({ 'expect-head': 'latest' })).code).toBe(2);
  });
});
