import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyDir } from '../../../gateway/policy/check.js';
import { compilePolicy } from '../../../gateway/policy/engine.js';
import { loadPolicyDir } from '../../../gateway/policy/load.js';
import { makePolicyDir, yaml } from './policy-dir.js';

const SHIPPED = join(import.meta.dirname, '../../../policies');

describe('recourse policy check', () => {
  it('exits 0 with one summary line for valid files', async () => {
    const dir = await makePolicyDir({ 'a.yaml': yaml('access: {default: deny}'), 'b.yml': '' });
    const result = await checkPolicyDir(dir);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toEqual([expect.stringMatching(/^policies OK \(version [0-9a-f]{12}, 2 files\)$/)]);
  });

  it('exits 1 with one file:line:col line per problem', async () => {
    const dir = await makePolicyDir({
      'a.yaml': yaml('access:', '  default: maybe'),
      'b.yaml': yaml('rate_limits:', '  login: {ban_time: forever}'),
    });
    expect(await checkPolicyDir(dir)).toEqual({
      exitCode: 1,
      lines: [
        `${join(dir, 'a.yaml')}:2:12 access.default: expected one of bypass, one_factor, two_factor, deny`,
        `${join(dir, 'b.yaml')}:2:21 rate_limits.login.ban_time: expected a duration like 5m`,
      ],
    });
  });

  it('says so when the directory holds no policy files', async () => {
    const dir = join(await makePolicyDir(), 'missing');
    const result = await checkPolicyDir(dir);
    expect(result.exitCode).toBe(0);
    expect(result.lines[0]).toContain(`no policy files in ${dir}, built-in defaults`);
  });
});

describe('policies/default.yaml', () => {
  it('is valid and passes the check', async () => {
    const result = await checkPolicyDir(SHIPPED);
    expect(result.lines[0]).toMatch(/^policies OK /);
    expect(result.exitCode).toBe(0);
  });

  it('sets what it documents', async () => {
    const outcome = await loadPolicyDir(SHIPPED);
    if (!outcome.ok) throw new Error('default policy refused');
    const { policy } = outcome;
    expect(policy.access.default).toBe('two_factor');
    expect(policy.factors.email_otp.enabled).toBe(false);
    expect(policy.reenrollment.map((r) => [r.on, r.require, r.within])).toEqual([
      ['recovery_code_used', 'enroll_second_factor', 0],
      ['admin_reset', 'enroll_second_factor', 0],
      ['backup_code_used', 'enroll_second_factor', 7 * 86_400_000],
      ['backup_codes_low', 'regenerate_backup_codes', 14 * 86_400_000],
    ]);
    const { decideAccess } = compilePolicy(policy);
    const get = (path: string) => decideAccess({ host: 'localhost:8080', path, method: 'GET', roles: ['admin'], groups: [] });
    expect(get('/')).toBe('two_factor');
    expect(get('/.git/config')).toBe('deny');
  });
});
