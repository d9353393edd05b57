/**
 * Carries out a sync plan: each user in a transaction of its own with its audit row, sessions of
 * disabled users ended in the same transaction (the session manager's revocation, which also
 * closes their live WebSockets), and one `directory.synced` row with the counts.
 */
import type { Database, Executor } from '../../db/client.js';
import { listUsers, updateUser } from '../../db/queries/users.js';
import { recordAudit, writeAudit, type AuditEntry } from '../audit/write.js';
import type { Clock } from '../core/clock.js';
import type { LdapDirectory } from './ldap.js';
import type { GroupMapping } from './person.js';
import { planSync, type SyncPlan } from './plan.js';
import { provisionDirectoryUser } from './provision.js';
import { storedUserGroups } from './groups-store.js';

export interface SyncDeps {
  db: Database;
  clock: Clock;
  serverSecret: string;
  mapping: GroupMapping;
  /** Ends every session of a user inside the transaction; returns the revoked id hashes. */
  endSessions(tx: Executor, userId: string): Promise<string[]>;
  /** After a commit that changed a user's role, type or groups: cached sessions re-read them. */
  userChanged(userId: string): void;
}

export interface SyncReport {
  plan: SyncPlan;
  unreadable: Array<{ dn: string; problem: string }>;
  /** Set when the listing was refused as implausible (nobody listed, yet users are linked). */
  refused?: string;
}

/** Lists the directory and plans against the local rows; nothing is written. */
export async function planFromDirectory(deps: Pick<SyncDeps, 'db' | 'mapping'>, ldap: Pick<LdapDirectory, 'list'>): Promise<SyncReport> {
  const { people, unreadable } = await ldap.list();
  const rows = await listUsers(deps.db);
  const groups = new Map<string, string[]>();
  for (const row of rows) if (row.directoryId) groups.set(row.id, await storedUserGroups(deps.db, row.id));
  const plan = planSync({ people, rows, groupsOf: (id) => groups.get(id) ?? [], mapping: deps.mapping });
  const linkedActive = rows.filter((r) => r.directoryId && r.active).length;
  // An empty answer is far likelier a wrong filter or a search without rights than everyone leaving.
  if (people.length === 0 && linkedActive > 0) {
    return { plan: { ...plan, disable: [] }, unreadable, refused: `the directory listed no users while ${linkedActive} linked users are active; nobody is disabled (check users_filter and the service account's read rights)` };
  }
  return { plan, unreadable };
}

export interface ApplyOptions {
  /** Refresh only updates and disables; sync --apply also creates. */
  create: boolean;
  actor: AuditEntry['actor'];
  trigger: 'refresh' | 'sync';
}

export async function applySync(deps: SyncDeps, report: SyncReport, options: ApplyOptions): Promise<{ created: number; updated: number; disabled: number; sessionsEnded: number }> {
  const { plan } = report;
  const counts = { created: 0, updated: 0, disabled: 0, sessionsEnded: 0 };
  const changedUsers: string[] = [];
  const context = () => ({ mapping: deps.mapping, now: deps.clock.now(), serverSecret: deps.serverSecret, actor: options.actor });
  const people = [...(options.create ? plan.create : []), ...plan.update.map((u) => u.person)];
  for (const person of people) {
    const outcome = await deps.db.transaction(async (tx) => {
      const done = await provisionDirectoryUser(tx, person, context());
      if (done.ok && !done.user.active) counts.sessionsEnded += (await deps.endSessions(tx, done.user.id)).length;
      return done;
    });
    if (!outcome.ok || outcome.change === 'unchanged') continue;
    if (outcome.change === 'created') counts.created++;
    else counts.updated++;
    changedUsers.push(outcome.user.id);
  }
  for (const { row, why } of plan.disable) {
    await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      await updateUser(tx, row.id, { active: false }, now);
      const ended = await deps.endSessions(tx, row.id);
      counts.sessionsEnded += ended.length;
      await writeAudit(tx, deps.serverSecret, {
        event: 'user.disabled', at: now, actor: options.actor, userId: row.id,
        details: { source: 'directory', why: why === 'removed' ? 'no longer listed by the directory' : 'disabled in the directory', sessions_revoked: ended.length },
      });
    });
    counts.disabled++;
    changedUsers.push(row.id);
  }
  for (const userId of changedUsers) deps.userChanged(userId);
  const changes = counts.created + counts.updated + counts.disabled;
  // Refresh runs every few minutes: a row only when it changed something, so the log stays readable.
  if (changes > 0 || options.trigger === 'sync') {
    await recordAudit(deps.db, deps.serverSecret, {
      event: 'directory.synced', at: deps.clock.now(), actor: options.actor,
      details: {
        trigger: options.trigger, created: counts.created, updated: counts.updated, disabled: counts.disabled,
        sessions_revoked: counts.sessionsEnded, conflicts: plan.conflicts.length, unreadable: report.unreadable.length,
        ...(report.refused ? { refused: report.refused } : {}),
      },
    });
  }
  return counts;
}
