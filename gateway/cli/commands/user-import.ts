/**
 * `recourse user import FILE.csv [--apply]` (CONTRACT §8.3): bulk invitations for the local
 * directory. A dry run by default prints whom it would create; every problem is one line with its
 * row, and while any row has one nothing is written. `--apply` creates everyone in one transaction
 * (each with its `user.invited` row and its invitation in the outbox) or, on any failure, no one.
 * The CLI reads the file and hands its text over, so it works through the admin socket too.
 */
import { takenEmails } from '../../../db/queries/users.js';
import { inviteNewUser, INVITATION_TTL_MS } from '../../admin/invitations.js';
import { planImport, type ImportProblem, type ImportRow } from '../../admin/import-plan.js';
import { EXIT, type CommandContext, type DbCommand } from '../context.js';

const DAY_MS = 86_400_000;

/** Rolls the transaction back: an address was taken between the check and the insert. */
class TakenMeanwhile extends Error {
  constructor(readonly row: ImportRow) {
    super('address taken meanwhile');
  }
}

export const userImport: DbCommand = {
  async run(ctx, values, input) {
    const file = String(values.file ?? 'FILE');
    if (ctx.config.directory.kind === 'ldap') {
      ctx.err('user import: directory.kind is ldap: people are added in the directory (`recourse directory sync` brings them here)');
      return EXIT.refused;
    }
    const plan = planImport(input ?? '');
    const taken = await takenEmails(ctx.db, plan.rows.map((r) => r.account.email));
    const problems = [...plan.problems, ...plan.rows.filter((r) => taken.has(r.account.email.toLowerCase())).map((r) => existing(r))];
    if (problems.length > 0) return refuse(ctx, file, problems);
    if (!values.apply) {
      for (const row of plan.rows) ctx.out(`create  ${describe(row)}`);
      ctx.out(`${plan.rows.length} to create. Nothing written (dry run); run again with --apply to create them and email their invitations.`);
      return EXIT.ok;
    }
    let created: Array<{ row: ImportRow; id: string }>;
    try {
      created = await ctx.db.transaction(async (tx) => {
        const now = ctx.clock.now();
        const done: Array<{ row: ImportRow; id: string }> = [];
        for (const row of plan.rows) {
          const invited = await inviteNewUser(tx, row.account, {
            serverSecret: ctx.config.session.secret, publicUrl: ctx.config.server.public_url, prefix: ctx.config.server.prefix,
            now, actor: 'cli', via: 'import',
          });
          if (!invited.ok) throw new TakenMeanwhile(row);
          done.push({ row, id: invited.user.id });
        }
        return done;
      });
    } catch (error) {
      if (error instanceof TakenMeanwhile) return refuse(ctx, file, [existing(error.row)]);
      throw error;
    }
    for (const { row, id } of created) ctx.out(`created ${row.account.email}  (row ${row.row}, ${id})`);
    ctx.out(`${created.length} created; their invitations are in the outbox (each link works once, for ${INVITATION_TTL_MS / DAY_MS} days).`);
    return EXIT.ok;
  },
};

function existing(row: ImportRow): ImportProblem {
  return { row: row.row, message: `a user with email ${row.account.email} already exists` };
}

function refuse(ctx: CommandContext, file: string, problems: ImportProblem[]): number {
  for (const problem of [...problems].sort((a, b) => a.row - b.row)) ctx.err(`${file}: row ${problem.row}: ${problem.message}`);
  ctx.err(`user import: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing written.`);
  return EXIT.refused;
}

function describe({ row, account }: ImportRow): string {
  const groups = account.groups.length > 0 ? `, groups ${account.groups.join(', ')}` : '';
  const name = account.name ? `${account.name}, ` : '';
  return `${account.email}  (row ${row}: ${name}${account.role}/${account.type}${groups}${account.phone ? ', phone' : ''})`;
}
