import { insertApiToken, revokeApiToken } from '../../../db/queries/api-tokens.js';
import { findUserByEmail } from '../../../db/queries/users.js';
import { newApiToken } from '../../auth/api-token.js';
import { writeAudit } from '../../audit/write.js';
import { EXIT, type DbCommand } from '../context.js';

export const tokenCreate: DbCommand = {
  async run(ctx, values) {
    const name = String(values.name ?? '').trim();
    const email = String(values.user ?? '').trim();
    if (!name || !email) {
      ctx.err('token create: --name and --user are required');
      return EXIT.usage;
    }
    const user = await findUserByEmail(ctx.db, email);
    if (!user || !user.active) {
      ctx.err(`token create: no active user with email ${email}`);
      return EXIT.refused;
    }
    const { token, tokenHash } = newApiToken();
    await ctx.db.transaction(async (tx) => {
      const now = ctx.clock.now();
      const id = await insertApiToken(tx, { name, userId: user.id, tokenHash, now });
      await writeAudit(tx, ctx.config.session.secret, { event: 'token.created', at: now, actor: 'cli', userId: user.id, details: { token_id: id, name } });
    });
    ctx.out(token);
    return EXIT.ok;
  },
};

export const tokenRevoke: DbCommand = {
  async run(ctx, values) {
    const which = String(values.id ?? values.name ?? '').trim();
    if (!which) {
      ctx.err('token revoke: --id or --name is required');
      return EXIT.usage;
    }
    const revoked = await ctx.db.transaction(async (tx) => {
      const now = ctx.clock.now();
      const rows = await revokeApiToken(tx, which, now);
      for (const row of rows) await writeAudit(tx, ctx.config.session.secret, { event: 'token.revoked', at: now, actor: 'cli', userId: row.userId, details: { token_id: row.id, name: row.name } });
      return rows;
    });
    if (revoked.length === 0) {
      ctx.err(`token revoke: no live token ${which}`);
      return EXIT.refused;
    }
    ctx.out(`Revoked ${revoked.length} token(s).`);
    return EXIT.ok;
  },
};
