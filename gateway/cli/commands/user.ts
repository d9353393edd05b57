import { groupsOfUsers, setUserGroups } from '../../../db/queries/user-groups.js';
import { createUser, findUserByEmail, listUsersWithFactors } from '../../../db/queries/users.js';
import { ROLES, USER_TYPES, type Role, type UserType } from '../../../db/schema/index.js';
import { writeAudit } from '../../audit/write.js';
import { hashPassword, passwordProblem } from '../../security/password.js';
import { EXIT, type DbCommand } from '../context.js';
import { isValidEmail } from '../../core/email.js';
import { E164_EXAMPLE, isE164 } from '../../core/phone.js';
import { describeGroupsProblem, parseGroupList } from '../../core/groups.js';
import { replaceUserGroups } from '../../admin/groups.js';

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
    if (phone !== null && !isE164(phone)) return fail(ctx, `user add: --phone must be in E.164 form, e.g. ${E164_EXAMPLE}`);
    const level = values['data-protection'] === undefined ? 0 : Number(values['data-protection']);
    if (!Number.isInteger(level) || level < 0 || level > 9) return fail(ctx, 'user add: --data-protection must be a whole number from 0 to 9');
    const groups = parseGroupList(String(values.groups ?? ''));
    if (!groups.ok) return fail(ctx, `user add: --groups: ${describeGroupsProblem(groups)}`);
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
        await writeAudit(tx, ctx.config.session.secret, { event: 'user.created', at: now, actor: 'cli', userId: created.user.id, details: { role, type, groups: groups.groups } });
        await setUserGroups(tx, created.user.id, groups.groups);
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

export const userSetGroups: DbCommand = {
  async run(ctx, values) {
    const email = String(values.email ?? '').trim();
    if (!email) return fail(ctx, 'user set-groups: --email is required', EXIT.usage);
    if (values.groups === undefined) return fail(ctx, 'user set-groups: --groups is required (--groups "" removes every group)', EXIT.usage);
    const groups = parseGroupList(String(values.groups));
    if (!groups.ok) return fail(ctx, `user set-groups: --groups: ${describeGroupsProblem(groups)}`);
    const user = await findUserByEmail(ctx.db, email);
    if (!user) return fail(ctx, `user set-groups: no user with email ${email}`);
    const change = await ctx.db.transaction((tx) => replaceUserGroups(tx, ctx.config.session.secret, { userId: user.id, groups: groups.groups, at: ctx.clock.now(), actor: 'cli' }));
    ctx.forgetSessions?.();
    const listed = groups.groups.length > 0 ? groups.groups.join(', ') : 'no groups';
    const changed = change.added.length + change.removed.length > 0 ? '' : ' (unchanged)';
    ctx.out(`${user.email} is in ${listed}${changed}.`);
    return EXIT.ok;
  },
};

export const userList: DbCommand = {
  async run(ctx, values) {
    const rows = await listUsersWithFactors(ctx.db);
    const groups = await groupsOfUsers(ctx.db, rows.map((u) => u.id));
    const view = rows.map((u) => ({
      id: u.id, email: u.email, name: u.name, role: u.role, type: u.type, active: u.active,
      two_factor: u.twoFactor, backup_codes_left: u.backupCodesLeft, groups: groups.get(u.id) ?? [],
    }));
    if (values.json) {
      ctx.out(JSON.stringify(view, null, 2));
      return EXIT.ok;
    }
    // GROUPS last, so scripts that read the earlier columns by position keep working.
    ctx.out(['EMAIL', 'ROLE', 'TYPE', 'ACTIVE', '2FA', 'CODES', 'ID', 'GROUPS'].join('\t'));
    for (const u of view) ctx.out([u.email, u.role, u.type, u.active ? 'yes' : 'no', u.two_factor ? 'yes' : 'no', String(u.backup_codes_left), u.id, u.groups.join(',')].join('\t'));
    return EXIT.ok;
  },
};

class DuplicateEmail extends Error {}

function fail(ctx: { err(line: string): void }, line: string, code: number = EXIT.refused): number {
  ctx.err(line);
  return code;
}
