/**
 * Issue 28, the policy-file trap: `default.yaml` and the README tell administrators to put local
 * changes in a file such as `50-local.yaml`, but files merged in name order let `default.yaml` win.
 * It is now read first; a value one local file sets and a later one sets again is a warning.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyDir } from '../../../gateway/policy/check.js';
import { formatPolicyErrors, loadPolicyDir, policyFileOrder } from '../../../gateway/policy/load.js';
import { makePolicyDir, yaml } from './policy-dir.js';

const SHIPPED = join(import.meta.dirname, '../../../policies/default.yaml');

async function loaded(files: Record<string, string>) {
  const dir = await makePolicyDir(files);
  const outcome = await loadPolicyDir(dir);
  if (!outcome.ok) throw new Error(formatPolicyErrors(outcome.errors).join('\n'));
  return { dir, ...outcome };
}

describe('default.yaml is the base every other file overrides', () => {
  it('50-local.yaml beside the shipped default.yaml: email_otp.enabled: true takes effect, with no warning', async () => {
    const { policy, files, warnings } = await loaded({
      'default.yaml': await readFile(SHIPPED, 'utf8'),
      '50-local.yaml': yaml('factors:', '  email_otp:', '    enabled: true'),
    });
    expect(policy.factors.email_otp.enabled).toBe(true);
    // The rest of the shipped file still applies.
    expect(policy.factors.email_otp.ttl).toBe(600_000);
    expect(policy.reenrollment).toHaveLength(4);
    expect(files.map((f) => f.split('/').pop())).toEqual(['default.yaml', '50-local.yaml']);
    expect(warnings).toEqual([]);
  });

  it('orders default.yaml (or .yml, any case) first, then the rest by name', () => {
    expect(['z.yaml', '50-local.yaml', 'default.yaml', '00-first.yaml'].sort(policyFileOrder)).toEqual(['default.yaml', '00-first.yaml', '50-local.yaml', 'z.yaml']);
    expect(['a.yaml', 'Default.YML'].sort(policyFileOrder)).toEqual(['Default.YML', 'a.yaml']);
    expect(['my-default.yaml', 'a.yaml'].sort(policyFileOrder)).toEqual(['a.yaml', 'my-default.yaml']);
  });
});

describe('a later file overriding an earlier one is a warning', () => {
  it('names the winning value\'s place and the ignored one, for scalars and replaced lists; maps merging and concatenated lists are no override', async () => {
    const { dir, policy, warnings } = await loaded({
      '30-factors.yaml': yaml(
        'factors:', //                                  1
        '  email_otp:', //                              2
        '    enabled: false', //                        3
        'recovery:', //                                 4
        '  reasons: [One]', //                          5
        'access:', //                                   6
        '  rules: [{paths: ["/a"], policy: deny}]', //  7
      ),
      '50-local.yaml': yaml(
        'factors:', //                                  1
        '  email_otp:', //                              2
        '    enabled: true', //                         3
        '    ttl: 5m', //                               4
        'recovery:', //                                 5
        '  reasons: [Two]', //                          6
        'access:', //                                   7
        '  rules: [{paths: ["/b"], policy: deny}]', //  8
      ),
    });
    expect(policy.factors.email_otp.enabled).toBe(true);
    expect(formatPolicyErrors(warnings)).toEqual([
      `${join(dir, '50-local.yaml')}:3:14 factors.email_otp.enabled: overrides the value set at ${join(dir, '30-factors.yaml')}:3:14, which is ignored`,
      `${join(dir, '50-local.yaml')}:6:12 recovery.reasons: overrides the value set at ${join(dir, '30-factors.yaml')}:5:12, which is ignored`,
    ]);
  });

  it('recourse policy check prints the warnings and still exits 0', async () => {
    const dir = await makePolicyDir({
      'default.yaml': yaml('factors:', '  totp: {issuer: Base}'),
      'a.yaml': yaml('factors:', '  totp: {issuer: A}'),
      'b.yaml': yaml('factors:', '  totp: {issuer: B}'),
    });
    const result = await checkPolicyDir(dir);
    expect(result.exitCode).toBe(0);
    expect(result.lines).toEqual([
      expect.stringMatching(/^policies OK \(version [0-9a-f]{12}, 3 files, 1 warning\)$/),
      `${join(dir, 'b.yaml')}:2:18 factors.totp.issuer: warning: overrides the value set at ${join(dir, 'a.yaml')}:2:18, which is ignored`,
    ]);
  });
});
