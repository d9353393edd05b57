import { createUser, listUsersWithFactors } from '../../../db/queries/users.js';
import { ROLES, USER_TYPES, type Role, type UserType } from '../../../db/schema/index.js';
import { writeAudit } from '../../audit/write.js';
import { hashPassword, passwordProblem } from '../../security/password.js';
import { EXIT, type DbCommand } from '../context.js';
import { isValidEmail } from '../../core/email.js';

export const userAdd: DbCommand = {
  async run(ctx, values, stdin) {
    const email = String(values.email ?? '').trim();
    if (!email) return fail(ctx, 'user add: --email is required', EXIT.usage);
    if (!isValidEmail(email)) return fail(ctx, `user add: invalid email address: ${email}`);
    const role = String(values.role ?? 'user');
    if (!(ROLES as readonly string[]).includes(role)) return fail(ctx, `user add: --role must be one of ${ROLES.join(', ')}`);
    const type = String(values.type ?? 'user');
    if (!(USER_TYPES as readonly string[]).includes(type)) return fail(ctx, `user add: --type must be one of ${USER_TYPES.join(', ')}`);
    const phone = values.phone === undefined ? null : String(values.phone);
    // E.164: a plus and up to 15 digits.
    if (phone !== null && !/^\+[1-9]\d{6,14}$/.test(phone)) return fail(ctx, 'user add: --phone must be in E.164 form, e.g. +4915112345678');
    const level = values['data-protection'] === undefined ? 0 : Number(values['data-protection']);
    if (!Number.isInteger(level) || level < 0 || level > 9) return fail(ctx, 'user add: --data-protection must be a whole number from 0 to 9');
    let passwordHash: string | null = null;
    if (values['password-stdin']) {
      const password = (stdin ?? '').replace(/\r?\n$/, '');
      const problem = passwordProblem(password);
      if (problem) return fail(ctx, `user add: password ${problem}`);
      passwordHash = await hashPassword(password);
    }
    let userId: string;
    try {
      userId = await ctx.db.transaction(async (tx) => {
        const now = ctx.clock.now();
        const created = await createUser(tx, {
          email, name: String(values.name ?? ''), role: role as Role, type: type as UserType, phone, passwordHash,
          dataProtectionLevel: level, expertMode: values['expert-mode'] === true,
        }, now);
        // The failed INSERT aborted the transaction: it must be rolled back, not committed (PGlite refuses).
        if (!created.ok) throw new DuplicateEmail();
        await writeAudit(tx, ctx.config.session.secret, { event: 'user.created', at: now, actor: 'cli', userId: created.user.id, details: { role, type } });
        return created.user.id;
      });
    } catch (error) {
      if (error instanceof DuplicateEmail) return fail(ctx, `user add: a user with email ${email} already exists`);
      throw error;
    }
    ctx.out(userId);
    return EXIT.ok;
  },
};

export const userList: DbCommand = {
  async run(ctx, values) {
    const rows = await listUsersWithFactors(ctx.db);
    const view = rows.map((u) => ({
      id: u.id, email: u.email, name: u.name, role: u.role, type: u.type, active: u.active,
      two_factor: u.twoFactor, backup_codes_left: u.backupCodesLeft,
    }));
    if (values.json) {
      ctx.out(JSON.stringify(view, null, 2));
      return EXIT.ok;
    }
    ctx.out(['EMAIL', 'ROLE', 'TYPE', 'ACTIVE', '2FA', 'CODES', 'ID'].join('\t'));
    for (const u of view) ctx.out([u.email, u.role, u.type, u.active ? 'yes' : 'no', u.two_factor ? 'yes' : 'no', String(u.backup_codes_left), u.id].join('\t'));
    return EXIT.ok;
  },
};

class DuplicateEmail extends Error {}

function fail(ctx: { err(line: string): void }, line: string, code: number = EXIT.refused): number {
  ctx.err(line);
  return code;
}
