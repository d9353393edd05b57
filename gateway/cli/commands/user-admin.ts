import { findUserByEmail, lockUserById, updateUser } from '../../../db/queries/users.js';
import { ROLES, type Role } from '../../../db/schema/index.js';
import { writeAudit } from '../../audit/write.js';
import { disableAccount, enableAccount } from '../../admin/account-state.js';
import { resetSecondFactor } from '../../recovery/reset-second-factor.js';
import { revokeUserSessions } from '../../session/store.js';
import { EXIT, type CommandContext, type CommandValues, type DbCommand } from '../context.js';

async function targetUser(ctx: CommandContext, values: CommandValues, command: string) {
  const email = String(values.email ?? '').trim();
  if (!email) {
    ctx.err(`${command}: --email is required`);
    return { exit: EXIT.usage } as const;
  }
  const user = await findUserByEmail(ctx.db, email);
  if (!user) {
    ctx.err(`${command}: no user with email ${email}`);
    return { exit: EXIT.refused } as const;
  }
  return { user } as const;
}

/**
 * The shell's disable and enable: the dashboard's path (admin/account-state.ts) with actor `cli` and
 * none of the dashboard's rules, since the shell is the way back in (a sole super_admin included).
 */
function setActive(active: boolean): DbCommand {
  const command = active ? 'user enable' : 'user disable';
  return {
    async run(ctx, values) {
      const target = await targetUser(ctx, values, command);
      if (!('user' in target) || !target.user) return 'exit' in target ? target.exit : EXIT.refused;
      const changed = await ctx.db.transaction(async (tx) => {
        const user = await lockUserById(tx, target.user.id);
        if (!user) return false;
        const context = { serverSecret: ctx.config.session.secret, now: ctx.clock.now(), actor: 'cli' as const };
        const done = active ? await enableAccount(tx, user, context)
          : await disableAccount(tx, user, { ...context, endSessions: (t, userId) => revokeUserSessions(t, userId, context.now) });
        return done.changed;
      });
      ctx.forgetSessions?.();
      ctx.out(`${target.user.email} ${active ? 'enabled' : 'disabled'}${changed ? '' : ' (unchanged)'}.`);
      return EXIT.ok;
    },
  };
}

export const userDisable = setActive(false);
export const userEnable = setActive(true);

export const userSetRole: DbCommand = {
  async run(ctx, values) {
    const target = await targetUser(ctx, values, 'user set-role');
    if (!('user' in target) || !target.user) return 'exit' in target ? target.exit : EXIT.refused;
    const user = target.user;
    const role = String(values.role ?? '');
    if (!(ROLES as readonly string[]).includes(role)) {
      ctx.err(`user set-role: --role must be one of ${ROLES.join(', ')}`);
      return EXIT.refused;
    }
    const patch: { role: Role; dataProtectionLevel?: number; expertMode?: boolean } = { role: role as Role };
    if (values['data-protection'] !== undefined) {
      const level = Number(values['data-protection']);
      if (!Number.isInteger(level) || level < 0 || level > 9) {
        ctx.err('user set-role: --data-protection must be a whole number from 0 to 9');
        return EXIT.refused;
      }
      patch.dataProtectionLevel = level;
    }
    if (values['expert-mode'] !== undefined) patch.expertMode = values['expert-mode'] === true;
    if (values['no-expert-mode']) patch.expertMode = false;
    await ctx.db.transaction(async (tx) => {
      const now = ctx.clock.now();
      await updateUser(tx, user.id, patch, now);
      await writeAudit(tx, ctx.config.session.secret, { event: 'user.updated', at: now, actor: 'cli', userId: user.id, details: { ...patch, previous_role: user.role } });
    });
    ctx.forgetSessions?.();
    ctx.out(`${user.email} is now ${role}.`);
    return EXIT.ok;
  },
};

export const userResetSecondFactor: DbCommand = {
  async run(ctx, values) {
    const target = await targetUser(ctx, values, 'user reset-2fa');
    if (!('user' in target) || !target.user) return 'exit' in target ? target.exit : EXIT.refused;
    const user = target.user;
    const reason = String(values.reason ?? '').trim();
    if (!reason) {
      ctx.err('user reset-2fa: --reason is required');
      return EXIT.usage;
    }
    const outcome = await ctx.db.transaction((tx) => resetSecondFactor(tx, { serverSecret: ctx.config.session.secret, userId: user.id, actor: 'cli', reason, now: ctx.clock.now(), ...(ctx.policies ? { policies: ctx.policies } : {}) }));
    ctx.forgetSessions?.();
    ctx.out(`Second factors of ${user.email} removed (${outcome.removed.totp} app, ${outcome.removed.keys} keys, ${outcome.removed.codes} backup codes); ${outcome.revokedSessions.length} sessions signed out.`);
    return EXIT.ok;
  },
};
