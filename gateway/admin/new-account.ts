/**
 * The fields of an account as an administrator gives them: the dashboard's add and access forms,
 * and each row of `recourse user import` (pure). Every problem is reported, each as one sentence
 * that names its field, so a form can show them all and the import can print one line per problem.
 */
import { ROLES, USER_TYPES, type Role, type UserType } from '../../db/schema/index.js';
import { isValidEmail } from '../core/email.js';
import { describeGroupsProblem, parseGroupList } from '../core/groups.js';
import { E164_EXAMPLE, isE164 } from '../core/phone.js';

/** Names longer than this are a paste gone wrong, not a name. */
export const MAX_NAME_LENGTH = 200;

export const NEW_ACCOUNT_FIELDS = ['email', 'name', 'role', 'type', 'groups', 'phone'] as const;
export type NewAccountField = (typeof NEW_ACCOUNT_FIELDS)[number];

export interface AccountAccess {
  role: Role;
  type: UserType;
  groups: string[];
}

export interface NewAccount extends AccountAccess {
  email: string;
  name: string;
  phone: string | null;
}

export interface FieldProblem {
  field: NewAccountField;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

type Input = Partial<Record<NewAccountField, string | undefined>>;

const textOf = (input: Input) => (field: NewAccountField) => (input[field] ?? '').trim();

/**
 * Role, user type and named groups as typed; empty groups are none. An empty role or type is
 * `user` for a new account, and missing when `required` (a change to an existing one must never
 * turn a dropped field into a demotion).
 */
export function checkAccountAccess(input: Input, options: { required?: boolean } = {}): Checked<AccountAccess> {
  const text = textOf(input);
  const problems: FieldProblem[] = [];
  const choice = (field: 'role' | 'type', allowed: readonly string[]) => {
    const value = text(field) || (options.required ? '' : 'user');
    if (!value) problems.push({ field, message: `${field} is missing` });
    else if (!allowed.includes(value)) problems.push({ field, message: `${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}` });
    return value;
  };
  const role = choice('role', ROLES);
  const type = choice('type', USER_TYPES);
  const groups = parseGroupList(text('groups'));
  if (!groups.ok) problems.push({ field: 'groups', message: `groups: ${describeGroupsProblem(groups)}` });
  if (problems.length > 0 || !groups.ok) return { ok: false, problems };
  return { ok: true, value: { role: role as Role, type: type as UserType, groups: groups.groups } };
}

/** A whole new account; an empty name or phone is none. */
export function checkNewAccount(input: Input): Checked<NewAccount> {
  const text = textOf(input);
  const problems: FieldProblem[] = [];
  const email = text('email');
  if (!email) problems.push({ field: 'email', message: 'email is missing' });
  else if (!isValidEmail(email)) problems.push({ field: 'email', message: `email ${JSON.stringify(email)} is not a valid address` });
  const name = text('name');
  if (name.length > MAX_NAME_LENGTH) problems.push({ field: 'name', message: `name is longer than ${MAX_NAME_LENGTH} characters` });
  else if (/[\u0000-\u001f\u007f]/.test(name)) problems.push({ field: 'name', message: 'name contains control characters' });
  const access = checkAccountAccess(input);
  if (!access.ok) problems.push(...access.problems);
  const phone = text('phone');
  if (phone && !isE164(phone)) problems.push({ field: 'phone', message: `phone ${JSON.stringify(phone)} is not in E.164 form (e.g. ${E164_EXAMPLE})` });
  if (problems.length > 0 || !access.ok) return { ok: false, problems };
  return { ok: true, value: { email, name, phone: phone || null, ...access.value } };
}
