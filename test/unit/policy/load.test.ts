import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPolicyErrors, loadPolicyDir, type PolicyError } from '../../../gateway/policy/load.js';
import { makePolicyDir, yaml } from './policy-dir.js';

async function errorsOf(files: Record<string, string>): Promise<{ dir: string; errors: PolicyError[] }> {
  const dir = await makePolicyDir(files);
  const outcome = await loadPolicyDir(dir);
  if (outcome.ok) throw new Error('expected the policy to be refused');
  return { dir, errors: outcome.errors };
}

async function policyOf(files: Record<string, string>) {
  const outcome = await loadPolicyDir(await makePolicyDir(files));
  if (!outcome.ok) throw new Error(formatPolicyErrors(outcome.errors).join('\n'));
  return outcome;
}

describe('error positions', () => {
  it('points each kind of problem at the node to fix, with its key path', async () => {
    const { dir, errors } = await errorsOf({
      'a.yaml': yaml(
        'access:', //                                     1
        '  rules:', //                                    2
        '    - paths: ["/public/**"]', //                 3
        '      policy: bypass', //                        4
        '    - paths: ["/admin/**"]', //                  5
        '      policy: nope', //                          6  wrong enum
        'factors:', //                                    7
        '  totp:', //                                     8
        '    isuer: Acme', //                             9  unknown key
        '  backup_codes: {length: 6}', //                10  too few bits
        'rate_limits:', //                               11
        '  login: {find_time: 10 minutes}', //           12  bad duration
        '  assistance: {per_ip: 5/hour}', //             13  bad rate
        'recovery:', //                                  14
        '  reasons: Other', //                           15  wrong type
      ),
    });
    const file = join(dir, 'a.yaml');
    expect(errors).toEqual([
      { file, line: 6, col: 15, key: 'access.rules[1].policy', message: 'expected one of bypass, one_factor, two_factor, deny' },
      { file, line: 9, col: 5, key: 'factors.totp.isuer', message: 'unknown key (expected one of enabled, issuer)' },
      {
        file,
        line: 10,
        col: 26,
        key: 'factors.backup_codes.length',
        message: '6 symbols give 30 bits; backup codes need at least 40 (length 8 or more)',
      },
      { file, line: 12, col: 22, key: 'rate_limits.login.find_time', message: 'expected a duration like 2m' },
      { file, line: 13, col: 24, key: 'rate_limits.assistance.per_ip', message: 'expected a rate like 5/1h (count/duration)' },
      { file, line: 15, col: 12, key: 'recovery.reasons', message: 'expected a list' },
    ]);
  });

  it('points a missing required key at the map that lacks it', async () => {
    const { dir, errors } = await errorsOf({ 'a.yaml': yaml('access:', '  rules:', '    - methods: [GET]') });
    expect(errors).toEqual([
      {
        file: join(dir, 'a.yaml'),
        line: 3,
        col: 7,
        key: 'access.rules[0].policy',
        message: 'required; expected one of bypass, one_factor, two_factor, deny',
      },
    ]);
  });

  it('reports a YAML syntax error at its own position, in every file', async () => {
    const { dir, errors } = await errorsOf({
      'a.yaml': yaml('access:', '  rules: [', 'factors: {}'),
      'b.yaml': yaml('access:', '  default: deny', '  default: bypass'),
    });
    expect(errors.map((e) => [e.file, e.line, e.col, e.key])).toEqual([
      [join(dir, 'a.yaml'), 3, 1, ''],
      [join(dir, 'b.yaml'), 3, 3, ''],
    ]);
    expect(errors[1]?.message).toMatch(/unique/);
  });

  it('names the file that supplied the offending value after a merge', async () => {
    const { dir, errors } = await errorsOf({
      '10-base.yaml': yaml('access:', '  rules:', '    - paths: ["/a"]', '      policy: deny'),
      '20-local.yaml': yaml('# local', 'access:', '  rules:', '    - paths: ["/b"]', '      policy: allow'),
    });
    expect(errors).toEqual([
      expect.objectContaining({ file: join(dir, '20-local.yaml'), line: 5, col: 15, key: 'access.rules[1].policy' }),
    ]);
  });

  it('points an unknown top-level key at the key itself', async () => {
    const { dir, errors } = await errorsOf({ 'a.yaml': yaml('access: {}', '', 'acess:', '  default: deny') });
    expect(errors).toEqual([
      {
        file: join(dir, 'a.yaml'),
        line: 3,
        col: 1,
        key: 'acess',
        message: 'unknown key (expected one of access, factors, recovery, reenrollment, rate_limits)',
      },
    ]);
  });

  it('refuses a file that is not a map', async () => {
    const { errors } = await errorsOf({ 'a.yaml': yaml('- access') });
    expect(formatPolicyErrors(errors)[0]).toMatch(/a\.yaml:1:1 expected a map of access, factors, recovery, reenrollment, rate_limits$/);
  });

  it('formats errors as file:line:col key: message', () => {
    const lines = formatPolicyErrors([
      { file: 'p/a.yaml', line: 3, col: 7, key: 'access.rules[2].policy', message: 'expected one of bypass, one_factor, two_factor, deny' },
      { file: 'p/b.yaml', line: 1, col: 4, key: '', message: 'Unexpected flow-seq-end' },
    ]);
    expect(lines).toEqual([
      'p/a.yaml:3:7 access.rules[2].policy: expected one of bypass, one_factor, two_factor, deny',
      'p/b.yaml:1:4 Unexpected flow-seq-end',
    ]);
  });
});

describe('merging policy files', () => {
  it('reads files in name order; a later file wins key by key', async () => {
    const outcome = await policyOf({
      '20-b.yml': yaml('access: {default: one_factor}', 'factors:', '  totp: {issuer: Later}'),
      '10-a.yaml': yaml('access: {default: deny}', 'factors:', '  totp: {enabled: false, issuer: Earlier}'),
    });
    expect(outcome.policy.access.default).toBe('one_factor');
    expect(outcome.policy.factors.totp).toEqual({ enabled: false, issuer: 'Later' });
    expect(outcome.files.map((f) => f.split('/').pop())).toEqual(['10-a.yaml', '20-b.yml']);
  });

  it('concatenates access.rules and reenrollment, but replaces other lists', async () => {
    const outcome = await policyOf({
      'a.yaml': yaml(
        'access:',
        '  rules: [{paths: ["/a"], policy: deny}]',
        'recovery: {reasons: [One]}',
        'reenrollment: [{on: admin_reset, require: enroll_second_factor, within: immediate}]',
      ),
      'b.yaml': yaml(
        'access:',
        '  rules: [{paths: ["/b"], policy: bypass}]',
        'recovery: {reasons: [Two]}',
        'reenrollment: [{on: backup_codes_low, require: regenerate_backup_codes, within: 14d}]',
      ),
    });
    expect(outcome.policy.access.rules.map((r) => r.paths?.[0])).toEqual(['/a', '/b']);
    expect(outcome.policy.reenrollment.map((r) => r.on)).toEqual(['admin_reset', 'backup_codes_low']);
    expect(outcome.policy.recovery.reasons).toEqual(['Two']);
  });

  it('ignores hidden files and files of other types', async () => {
    const outcome = await policyOf({
      'a.yaml': yaml('access: {default: deny}'),
      '.#a.yaml': yaml('access: {default: bypass}'),
      'notes.txt': 'access: nonsense',
    });
    expect(outcome.policy.access.default).toBe('deny');
    expect(outcome.files).toHaveLength(1);
  });

  it('loads an empty or missing directory as the built-in defaults', async () => {
    const empty = await policyOf({});
    expect(empty.policy.access.default).toBe('two_factor');
    expect(empty.files).toEqual([]);
    const missing = await loadPolicyDir(join(await makePolicyDir(), 'nowhere'));
    expect(missing).toMatchObject({ ok: true, version: empty.version });
  });

  it('versions by content: same files, same version; any edit, a new one', async () => {
    const files = { 'a.yaml': yaml('access: {default: deny}') };
    const first = await policyOf(files);
    expect((await policyOf(files)).version).toBe(first.version);
    expect(first.version).toMatch(/^[0-9a-f]{12}$/);
    expect((await policyOf({ 'a.yaml': yaml('access: {default: deny} ') })).version).not.toBe(first.version);
    expect((await policyOf({ 'b.yaml': files['a.yaml'] })).version).not.toBe(first.version);
  });
});
