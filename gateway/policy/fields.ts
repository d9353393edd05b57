/** Value types the policy schema is built from: durations, rates, globs and role names as written in YAML. */
import picomatch from 'picomatch';
import { z } from 'zod';
import { parseDuration, parseRate } from '../core/duration.js';
import { GROUP_NAME_RULE, isGroupName } from '../core/groups.js';

/** CONTRACT §7. */
export const ROLES = ['super_admin', 'owner', 'admin', 'user'] as const;
export const USER_TYPES = ['user', 'employee', 'customer'] as const;
export const EVERYONE = '*';

export const ACCESS_LEVELS = ['bypass', 'one_factor', 'two_factor', 'deny'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export function duration(example: string) {
  const message = `expected a duration like ${example}`;
  return z.string({ error: message }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message });
    return ms ?? z.NEVER;
  });
}

export function rate(example: string) {
  const message = `expected a rate like ${example} (count/duration)`;
  return z.string({ error: message }).transform((text, ctx) => {
    const parsed = parseRate(text);
    if (parsed === undefined) ctx.addIssue({ code: 'custom', message });
    return parsed ?? z.NEVER;
  });
}

/** `immediate` becomes 0 ms, so a deadline is always `event time + within`. */
export function deadline() {
  const message = 'expected immediate or a duration like 7d';
  return z.string({ error: message }).transform((text, ctx) => {
    const ms = text.trim() === 'immediate' ? 0 : parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message });
    return ms ?? z.NEVER;
  });
}

/** A matcher list: absent means "any", so an empty list is almost certainly a mistake. */
export function matchList<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, { error: 'expected at least one entry; leave the key out to match anything' });
}

function compiles(glob: string): boolean {
  try {
    picomatch.makeRe(glob);
    return true;
  } catch {
    return false;
  }
}

// The engine strips the port and lower-cases the Host header, so a glob with either would never match.
export const hostGlob = z
  .string()
  .min(1)
  .refine((glob) => !glob.includes('/'), { error: 'a host glob cannot contain /' })
  .refine((glob) => !/:\d*$/.test(glob), { error: 'hosts are matched without the port; remove it' })
  .refine(compiles, { error: 'not a valid glob' })
  .transform((glob) => glob.toLowerCase());

// Request paths always start with "/", so "admin/**" would silently never match.
export const pathGlob = z
  .string()
  .min(1)
  .refine((glob) => glob.startsWith('/') || glob.startsWith('*'), {
    error: 'a path glob starts with / (or * to match any path)',
  })
  .refine(compiles, { error: 'not a valid glob' });

export const httpMethod = z
  .string()
  .regex(/^([A-Za-z]+|\*)$/, { error: 'expected an HTTP method such as GET, or *' })
  .transform((method) => method.toUpperCase());

const ROLE_OR_TYPE = [...new Set<string>([EVERYONE, ...ROLES, ...USER_TYPES])] as [string, ...string[]];
/** Rules and factors take a role or a user type in the same list. */
export const roleOrType = z.enum(ROLE_OR_TYPE);
export const roleName = z.enum([EVERYONE, ...ROLES]);
export const userType = z.enum([EVERYONE, ...USER_TYPES]);

/** A user's named group (CONTRACT §8.2); `*` is not one, since `roles: ["*"]` already means "signed in". */
export const groupName = z
  .string()
  .refine((name) => name !== EVERYONE, { error: 'groups take names; for any signed-in user write roles: ["*"]' })
  .refine((name) => name === EVERYONE || isGroupName(name), { error: `expected a group name: ${GROUP_NAME_RULE}` });
