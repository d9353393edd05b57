import { bootstrapAdmin, setupLink } from '../../auth/bootstrap.js';
import { isValidEmail } from '../../core/email.js';
import { EXIT, type DbCommand } from '../context.js';

export const adminBootstrap: DbCommand = {
  async run(ctx, values) {
    const email = String(values.email ?? '').trim();
    if (!email) {
      ctx.err('admin bootstrap: --email is required');
      return EXIT.usage;
    }
    if (!isValidEmail(email)) {
      ctx.err(`admin bootstrap: invalid email address: ${email}`);
      return EXIT.refused;
    }
    const outcome = await bootstrapAdmin(ctx.db, ctx.clock, ctx.config.session.secret, email, 'cli');
    ctx.forgetSessions?.();
    ctx.out(`${outcome.created ? 'Created' : 'Promoted'} super_admin ${outcome.email} (${outcome.userId}).`);
    ctx.out(`One-time setup link, valid 1 hour: ${setupLink(ctx.config.server.public_url, ctx.config.server.prefix, outcome.token)}`);
    return EXIT.ok;
  },
};
