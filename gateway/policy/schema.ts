/**
 * The policy shape of CONTRACT §3, with its defaults. Every object is strict so that a misspelt key
 * is reported instead of silently falling back to a default.
 */
import { z } from 'zod';
import {
  ACCESS_LEVELS,
  deadline,
  duration,
  EVERYONE,
  groupName,
  hostGlob,
  httpMethod,
  matchList,
  pathGlob,
  rate,
  roleName,
  roleOrType,
  ROLES,
  userType,
} from './fields.js';

/** Backup codes are drawn from a 32-symbol alphabet, so each symbol carries 5 bits. */
export const BACKUP_CODE_BITS_PER_SYMBOL = 5;
/** Project floor for a look-up secret that may stand in for the second factor. */
export const BACKUP_CODE_MIN_BITS = 40;

const level = z.enum(ACCESS_LEVELS);
const enabled = (value: boolean) => z.boolean().default(value);
const audience = z
  .array(roleOrType)
  .min(1, { error: 'expected at least one entry; use enabled: false to turn the factor off' });

const rule = z.strictObject({
  hosts: matchList(hostGlob).optional(),
  paths: matchList(pathGlob).optional(),
  methods: matchList(httpMethod).optional(),
  roles: matchList(roleOrType).optional(),
  // Any of the user's named groups; with `roles` too, both must match.
  groups: matchList(groupName).optional(),
  policy: level,
});

const access = z.strictObject({
  default: level.default('two_factor'),
  rules: z.array(rule).prefault([]),
});

const backupCodeLength = z.int().superRefine((length, ctx) => {
  const bits = length * BACKUP_CODE_BITS_PER_SYMBOL;
  if (bits >= BACKUP_CODE_MIN_BITS) return;
  const minimum = Math.ceil(BACKUP_CODE_MIN_BITS / BACKUP_CODE_BITS_PER_SYMBOL);
  const need = `backup codes need at least ${BACKUP_CODE_MIN_BITS} (length ${minimum} or more)`;
  ctx.addIssue({ code: 'custom', message: `${length} symbols give ${bits} bits; ${need}` });
});

const backupCodes = z
  .strictObject({
    enabled: enabled(true),
    roles: audience.prefault([EVERYONE]),
    count: z.int().min(1).max(100).default(10),
    length: backupCodeLength.prefault(8),
    low_threshold: z.int().min(0).default(3),
  })
  .superRefine((codes, ctx) => {
    // A threshold at or above the count would flag every fresh set as "running low".
    if (codes.low_threshold < codes.count) return;
    ctx.addIssue({ code: 'custom', path: ['low_threshold'], message: `must be less than count (${codes.count})` });
  });

const factors = z.strictObject({
  totp: z.strictObject({ enabled: enabled(true), issuer: z.string().min(1).default('Recourse') }).prefault({}),
  webauthn: z
    .strictObject({
      enabled: enabled(true),
      user_verification: z.enum(['required', 'preferred', 'discouraged']).default('preferred'),
    })
    .prefault({}),
  backup_codes: backupCodes.prefault({}),
  email_otp: z
    .strictObject({
      enabled: enabled(false),
      roles: audience.prefault([EVERYONE]),
      ttl: duration('10m').prefault('10m'),
      // Six digits ≈ 20 bits, the usual floor for a one-time code sent out of band (NIST SP 800-63B).
      length: z.int().min(6).max(10).default(6),
      max_attempts: z.int().min(1).max(20).default(5),
    })
    .prefault({}),
});

/** CONTRACT §8.4; "Duplicate request" is what the dashboard offers for an account's other open requests. */
export const DEFAULT_CANCEL_REASONS = ['Suspicious request', 'Duplicate request', 'Identity not verified', 'Resolved another way'] as const;

export const ASSISTANCE_TYPES = ['lost_2fa', 'forgot_password', 'locked_out', 'other'] as const;

const recovery = z.strictObject({
  assistance: z
    .strictObject({
      enabled: enabled(true),
      types: z.array(z.enum(ASSISTANCE_TYPES)).min(1).prefault([...ASSISTANCE_TYPES]),
      // A request is flagged once this many (itself included) arrived within the window.
      suspicious: z
        .strictObject({
          window: duration('24h').prefault('24h'),
          per_account: z.int().min(1).default(3),
          per_network: z.int().min(1).default(5),
        })
        .prefault({}),
      // A request still pending after this long is flagged on the dashboard (issue 28).
      stale_after: duration('3d').prefault('3d'),
      // What the confirmation tells someone who asked for help: "usually within 1 day".
      usual_response: duration('1d').prefault('1d'),
    })
    .prefault({}),
  recovery_code: z.strictObject({ ttl: duration('1h').prefault('1h') }).prefault({}),
  access_email: z.strictObject({ ttl: duration('1h').prefault('1h') }).prefault({}),
  reasons: z
    .array(z.string().trim().min(1))
    .min(1)
    .prefault(['Lost or replaced device', 'Identity verified by phone', 'Confirmed by line manager', 'Other']),
  // Why a request is cancelled: a list of its own (CONTRACT §8.4).
  cancel_reasons: z
    .array(z.string().trim().min(1))
    .min(1)
    .prefault([...DEFAULT_CANCEL_REASONS]),
  reset_2fa_roles: z.array(z.enum(ROLES)).prefault(['super_admin', 'owner']),
  // `P/password/forgot` mails a reset link to whoever asks (CONTRACT §8.4); the second factor is
  // still asked for at the next sign-in. Off: a password is reset through an administrator.
  self_service_password_reset: enabled(false),
  data_protection_level: z.int().min(0).default(1),
});

export const REENROLLMENT_EVENTS = [
  'backup_code_used',
  'email_otp_used',
  'recovery_code_used',
  'admin_reset',
  'backup_codes_low',
  'new_location',
] as const;

const obligation = z.strictObject({
  on: z.enum(REENROLLMENT_EVENTS),
  require: z.enum(['enroll_second_factor', 'regenerate_backup_codes']),
  within: deadline(),
  roles: matchList(roleName).prefault([EVERYONE]),
  types: matchList(userType).prefault([EVERYONE]),
});

const rateLimits = z.strictObject({
  login: z
    .strictObject({
      // Per account at one address: one person's typos pause that person there, not the office.
      max_retries: z.int().min(1).default(3),
      // Per address, every account together: looser, so one office address holds many people.
      per_ip_max_retries: z.int().min(1).default(20),
      // Per account, every address together: a guesser with many addresses is still capped.
      per_account_max_retries: z.int().min(1).default(10),
      find_time: duration('2m').prefault('2m'),
      ban_time: duration('5m').prefault('5m'),
    })
    .prefault({}),
  second_factor: z.strictObject({ max_failures: z.int().min(1).default(100) }).prefault({}),
  assistance: z
    .strictObject({ per_ip: rate('5/1h').prefault('5/1h'), per_email: rate('3/1h').prefault('3/1h') })
    .prefault({}),
  email_otp_send: z.strictObject({ per_user: rate('5/1h').prefault('5/1h') }).prefault({}),
  // Each post of a set-password form may cost an argon2id hash; ten in 15 minutes is plenty for
  // everyone behind one address (issue 32, finding 8).
  password_reset: z.strictObject({ per_ip: rate('10/15m').prefault('10/15m') }).prefault({}),
  // Reset links asked for at `P/password/forgot`: each may send an email.
  password_forgot: z
    .strictObject({ per_ip: rate('5/1h').prefault('5/1h'), per_email: rate('3/1h').prefault('3/1h') })
    .prefault({}),
});

export const policySchema = z.strictObject({
  access: access.prefault({}),
  factors: factors.prefault({}),
  recovery: recovery.prefault({}),
  // Absent means "re-enrol at once after any recovery"; a file that lists its own replaces these.
  reenrollment: z.array(obligation).prefault([
    { on: 'recovery_code_used', require: 'enroll_second_factor', within: 'immediate' },
    { on: 'admin_reset', require: 'enroll_second_factor', within: 'immediate' },
  ]),
  rate_limits: rateLimits.prefault({}),
});

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The parsed policy: defaults applied, durations in milliseconds, rates as `{count, perMs}`, frozen. */
export type Policy = DeepReadonly<z.output<typeof policySchema>>;
export type PolicyInput = z.input<typeof policySchema>;
export type AccessRule = Policy['access']['rules'][number];
export type ReenrollmentRule = Policy['reenrollment'][number];
export type ReenrollmentEvent = (typeof REENROLLMENT_EVENTS)[number];
