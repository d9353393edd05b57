import { createLdapDirectory } from '../../directory/ldap.js';
import { DirectoryUnavailableError } from '../../directory/errors.js';
import { applySync, planFromDirectory, type SyncReport } from '../../directory/sync.js';
import { revokeUserSessions } from '../../session/store.js';
import { EXIT, type CommandContext, type DbCommand } from '../context.js';

/**
 * `recourse directory sync [--apply]`: what the directory would create, change and disable here,
 * printed one line each; with --apply, done (each user audited, then one `directory.synced`).
 */
export const directorySync: DbCommand = {
  async run(ctx, values) {
    const { directory } = ctx.config;
    if (directory.kind !== 'ldap') {
      ctx.err('directory sync: directory.kind is local; there is no directory to sync from');
      return EXIT.refused;
    }
    const ldap = createLdapDirectory(directory.ldap);
    const mapping = { role_groups: directory.ldap.role_groups, type_groups: directory.ldap.type_groups };
    try {
      if (await ldap.checkServiceBind() === 'refused') {
        ctx.err(`directory sync: directory.ldap.bind_dn, directory.ldap.bind_password_file: the directory refused ${directory.ldap.bind_dn} (invalid credentials)`);
        return EXIT.refused;
      }
      const report = await planFromDirectory({ db: ctx.db, mapping }, ldap);
      printPlan(ctx, report);
      if (!values.apply) {
        ctx.out('Nothing changed (dry run). Run again with --apply to make these changes.');
        return EXIT.ok;
      }
      const counts = await applySync({
        db: ctx.db, clock: ctx.clock, serverSecret: ctx.config.session.secret, mapping,
        endSessions: (tx, userId) => revokeUserSessions(tx, userId, ctx.clock.now()),
        userChanged: () => {},
      }, report, { create: true, actor: 'cli', trigger: 'sync' });
      // Role, type and group changes travel with cached sessions: the gateway re-reads them all.
      ctx.forgetSessions?.();
      ctx.out(`Applied: ${counts.created} created, ${counts.updated} changed, ${counts.disabled} disabled, ${counts.sessionsEnded} sessions ended.`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError)) throw error;
      ctx.err(`directory sync: ${error.message}`);
      return EXIT.refused;
    } finally {
      await ldap.close();
    }
  },
};

function printPlan(ctx: CommandContext, report: SyncReport): void {
  const { plan } = report;
  for (const person of plan.create) ctx.out(`create  ${person.email}  (${person.username || person.dn})`);
  for (const { row, changed } of plan.update) ctx.out(`change  ${row.email}  (${changed.join(', ')})`);
  for (const { row, why } of plan.disable) ctx.out(`disable ${row.email}  (${why === 'removed' ? 'no longer in the directory' : 'disabled in the directory'})`);
  for (const { person, holder } of plan.conflicts) ctx.out(`skip    ${person.email}  (${person.dn}): the address belongs to ${holder.directoryId ? 'another directory user' : 'a local account'}`);
  for (const { dn, problem } of report.unreadable) ctx.out(`skip    ${dn}: ${problem}`);
  if (report.refused) ctx.err(`directory sync: ${report.refused}`);
  ctx.out(`${plan.create.length} to create, ${plan.update.length} to change, ${plan.disable.length} to disable, ${plan.conflicts.length + report.unreadable.length} skipped.`);
}
