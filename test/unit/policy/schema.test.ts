import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicyFiles, type PolicyLoad } from '../../../gateway/policy/load.js';
import { yaml } from './policy-dir.js';

function parse(text: string): PolicyLoad {
  return parsePolicyFiles([{ name: 'p.yaml', path: 'p.yaml', text }]);
}

function policyOf(text: string) {
  const outcome = parse(text);
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => `${e.key}: ${e.message}`).join('\n'));
  return outcome.policy;
}

function messagesOf(text: string): string[] {
  const outcome = parse(text);
  if (outcome.ok) throw new Error('expected the policy to be refused');
  return outcome.errors.map((e) => `${e.key}: ${e.message}`);
}

describe('policy defaults (CONTRACT §3)', () => {
  it('fills every key of an empty policy', () => {
    const policy = defaultPolicy();
    expect(policy.access).toEqual({ default: 'two_factor', rules: [] });
    expect(policy.factors.totp).toEqual({ enabled: true, issuer: 'Recourse' });
    expect(policy.factors.webauthn).toEqual({ enabled: true, user_verification: 'preferred' });
    expect(policy.factors.backup_codes).toEqual({ enabled: true, roles: ['*'], count: 10, length: 8, low_threshold: 3 });
    expect(policy.factors.email_otp).toEqual({ enabled: false, roles: ['*'], ttl: 600_000, length: 6, max_attempts: 5 });
    expect(policy.recovery.assistance.types).toEqual(['lost_2fa', 'forgot_password', 'locked_out', 'other']);
    expect(policy.recovery.assistance.suspicious).toEqual({ window: 86_400_000, per_account: 3, per_network: 5 });
    expect(policy.recovery.assistance.usual_response).toBe(86_400_000);
    expect(policy.recovery.recovery_code.ttl).toBe(3_600_000);
    expect(policy.recovery.access_email.ttl).toBe(3_600_000);
    expect(policy.recovery.reasons).toHaveLength(4);
    expect(policy.recovery.reset_2fa_roles).toEqual(['super_admin', 'owner']);
    expect(policy.recovery.data_protection_level).toBe(1);
    expect(policy.recovery.self_service_password_reset).toBe(false);
    expect(policy.reenrollment.map((r) => [r.on, r.require, r.within])).toEqual([
      ['recovery_code_used', 'enroll_second_factor', 0],
      ['admin_reset', 'enroll_second_factor', 0],
    ]);
    expect(policy.rate_limits).toEqual({
      login: { max_retries: 3, per_ip_max_retries: 20, per_account_max_retries: 10, find_time: 120_000, ban_time: 300_000 },
      second_factor: { max_failures: 100 },
      assistance: { per_ip: { count: 5, perMs: 3_600_000 }, per_email: { count: 3, perMs: 3_600_000 } },
      email_otp_send: { per_user: { count: 5, perMs: 3_600_000 } },
      password_reset: { per_ip: { count: 10, perMs: 900_000 } },
      password_forgot: { per_ip: { count: 5, perMs: 3_600_000 }, per_email: { count: 3, perMs: 3_600_000 } },
    });
  });

  it('keeps defaults beside the keys a file sets', () => {
    const policy = policyOf(yaml('factors:', '  email_otp:', '    enabled: true', '    ttl: 5m'));
    expect(policy.factors.email_otp).toMatchObject({ enabled: true, ttl: 300_000, length: 6, max_attempts: 5 });
    expect(policy.factors.totp.enabled).toBe(true);
  });

  it('treats a key with everything under it commented out as absent', () => {
    const policy = policyOf(yaml('access:', '  # rules:', 'factors:'));
    expect(policy.access.default).toBe('two_factor');
  });

  it('freezes the parsed policy, deep down', () => {
    const policy = defaultPolicy();
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.rate_limits.assistance.per_ip)).toBe(true);
    expect(Object.isFrozen(policy.reenrollment[0])).toBe(true);
  });
});

describe('policy values', () => {
  it('turns durations, rates and "immediate" into milliseconds', () => {
    const policy = policyOf(
      yaml(
        'rate_limits:',
        '  login: {find_time: 30s, ban_time: 1d}',
        '  assistance: {per_ip: 10/15m}',
        'reenrollment:',
        '  - {on: backup_code_used, require: enroll_second_factor, within: 7d}',
        '  - {on: admin_reset, require: enroll_second_factor, within: immediate}',
      ),
    );
    expect(policy.rate_limits.login).toMatchObject({ find_time: 30_000, ban_time: 86_400_000 });
    expect(policy.rate_limits.assistance.per_ip).toEqual({ count: 10, perMs: 900_000 });
    expect(policy.reenrollment.map((r) => r.within)).toEqual([7 * 86_400_000, 0]);
    expect(policy.reenrollment[0]).toMatchObject({ roles: ['*'], types: ['*'] });
  });

  it('reads the suspicious-request thresholds of assistance requests, keeping defaults beside them', () => {
    const policy = policyOf(yaml('recovery:', '  assistance:', '    suspicious: {window: 1h, per_account: 2}'));
    expect(policy.recovery.assistance.suspicious).toEqual({ window: 3_600_000, per_account: 2, per_network: 5 });
    expect(policy.recovery.assistance.types).toHaveLength(4);
    expect(messagesOf(yaml('recovery:', '  assistance:', '    suspicious: {window: soon, per_network: 0}'))).toEqual([
      'recovery.assistance.suspicious.window: expected a duration like 24h',
      'recovery.assistance.suspicious.per_network: expected a number ≥ 1',
    ]);
  });

  it('normalises methods to upper case and host globs to lower case', () => {
    const policy = policyOf(yaml('access:', '  rules:', '    - {hosts: [Wiki.Example.COM], methods: [get, Post], policy: deny}'));
    expect(policy.access.rules[0]).toMatchObject({ hosts: ['wiki.example.com'], methods: ['GET', 'POST'] });
  });

  it('refuses backup codes carrying fewer than 40 bits', () => {
    expect(messagesOf(yaml('factors:', '  backup_codes: {length: 7}'))).toEqual([
      'factors.backup_codes.length: 7 symbols give 35 bits; backup codes need at least 40 (length 8 or more)',
    ]);
    expect(policyOf(yaml('factors:', '  backup_codes: {length: 8}')).factors.backup_codes.length).toBe(8);
  });

  it('refuses a low-codes threshold that a fresh set already meets', () => {
    expect(messagesOf(yaml('factors:', '  backup_codes: {count: 3}'))).toEqual([
      'factors.backup_codes.low_threshold: must be less than count (3)',
    ]);
  });

  it('refuses unknown keys, naming the keys that are allowed', () => {
    expect(messagesOf(yaml('factors:', '  totp: {enabled: true, isuser: Acme}'))).toEqual([
      'factors.totp.isuser: unknown key (expected one of enabled, issuer)',
    ]);
  });

  it('refuses empty matcher lists, which could only be a mistake', () => {
    expect(messagesOf(yaml('access:', '  rules:', '    - {hosts: [], policy: bypass}'))).toEqual([
      'access.rules[0].hosts: expected at least one entry; leave the key out to match anything',
    ]);
  });

  it('refuses globs that could never match', () => {
    expect(messagesOf(yaml('access:', '  rules:', '    - {hosts: ["app.example:8443"], paths: ["admin/**"], policy: deny}'))).toEqual([
      'access.rules[0].hosts[0]: hosts are matched without the port; remove it',
      'access.rules[0].paths[0]: a path glob starts with / (or * to match any path)',
    ]);
  });

  it('refuses unknown roles and user types', () => {
    expect(messagesOf(yaml('access:', '  rules:', '    - {roles: [admins], policy: deny}'))[0]).toMatch(
      /^access\.rules\[0\]\.roles\[0\]: expected one of \*, super_admin, owner, admin, user, employee, customer$/,
    );
  });

  it('requires a policy on every rule and on, require, within on every obligation', () => {
    expect(messagesOf(yaml('access:', '  rules:', '    - {paths: ["/x"]}', 'reenrollment:', '  - {on: admin_reset}'))).toEqual([
      'access.rules[0].policy: required; expected one of bypass, one_factor, two_factor, deny',
      'reenrollment[0].require: required; expected one of enroll_second_factor, regenerate_backup_codes',
      'reenrollment[0].within: expected immediate or a duration like 7d',
    ]);
  });
});
