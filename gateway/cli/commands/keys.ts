import { writeAudit } from '../../audit/write.js';
import { rotateSigningKey } from '../../identity/signing-keys.js';
import { EXIT, type DbCommand } from '../context.js';

/** `recourse keys rotate [--now]`: a new assertion signing key, published before it signs (CONTRACT §8.2). */
export const keysRotate: DbCommand = {
  async run(ctx, values) {
    const immediately = values.now === true;
    const rotation = await ctx.db.transaction(async (tx) => {
      const now = ctx.clock.now();
      const done = await rotateSigningKey(tx, ctx.config.session.secret, now, { immediately });
      await writeAudit(tx, ctx.config.session.secret, {
        event: 'keys.rotated', at: now, actor: 'cli',
        details: { kid: done.kid, signs_from: done.signsFrom.toISOString(), retired: done.retired, published_until: done.publishedUntil.toISOString(), immediately },
      });
      return done;
    });
    ctx.out(`New signing key ${rotation.kid}: published now, signs from ${rotation.signsFrom.toISOString()}.`);
    if (rotation.retired.length > 0) ctx.out(`Retired ${rotation.retired.join(', ')}: signs until then, published until ${rotation.publishedUntil.toISOString()}.`);
    return EXIT.ok;
  },
};
