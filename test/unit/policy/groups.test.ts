/**
 * Access rules on named groups (CONTRACT §8.2). The decision cache keys on the groups a rule names:
 * a key without them would hand one user the answer computed for another.
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy, type AccessRequest } from '../../../gateway/policy/engine.js';
import { parsePolicyFiles } from '../../../gateway/policy/load.js';
import { policyOf } from './fixtures.js';
import { yaml } from './policy-dir.js';

const POLICY = yaml(
  'access:',
  '  default: deny',
  '  rules:',
  '    - hosts: ["grafana.example.org"]',
  '      groups: [ops, "Domain Admins"]',
  '      policy: two_factor',
  '    - hosts: ["wiki.example.org"]',
  '      roles: [employee]',
  '      groups: [writers]',
  '      policy: one_factor',
  '    - hosts: ["wiki.example.org"]',
  '      policy: bypass',
);

const req = (overrides: Partial<AccessRequest>): AccessRequest => ({
  host: 'grafana.example.org', path: '/', method: 'GET', roles: ['user', 'employee'], groups: [], ...overrides,
});

describe('groups in access rules', () => {
  it.each([
    ['a member of a listed group', req({ groups: ['ops'] }), 'two_factor'],
    ['a member of the other listed group (names with spaces)', req({ groups: ['Domain Admins'] }), 'two_factor'],
    ['one of several groups is enough', req({ groups: ['audit', 'ops', 'zz'] }), 'two_factor'],
    ['no listed group: the rule does not match', req({ groups: ['audit'] }), 'deny'],
    ['names are compared exactly, case included', req({ groups: ['Ops'] }), 'deny'],
    ['no groups at all', req({ groups: [] }), 'deny'],
    ['an anonymous request never matches a groups rule', req({ roles: [], groups: [] }), 'deny'],
    ['roles and groups: both must match', req({ host: 'wiki.example.org', groups: ['writers'] }), 'one_factor'],
    ['roles and groups: the group alone is not enough', req({ host: 'wiki.example.org', roles: ['user', 'customer'], groups: ['writers'] }), 'bypass'],
    ['roles and groups: the role alone is not enough', req({ host: 'wiki.example.org', groups: ['readers'] }), 'bypass'],
  ] as const)('%s', (_, request, expected) => {
    expect(compilePolicy(policyOf(POLICY)).decideAccess(request)).toBe(expected);
  });

  it('remembers answers per group set: two users one group apart keep their own answers', () => {
    const compiled = compilePolicy(policyOf(POLICY));
    const member = req({ groups: ['ops'] });
    const outsider = req({ groups: ['audit'] });
    for (let i = 0; i < 3; i++) {
      expect(compiled.decideAccess(member)).toBe('two_factor');
      expect(compiled.decideAccess(outsider)).toBe('deny');
    }
    expect(compiled.cachedDecisions()).toBe(2);
  });

  it('keys only on the groups some rule names, so other groups neither split nor grow the cache', () => {
    const compiled = compilePolicy(policyOf(POLICY));
    const many = Array.from({ length: 100 }, (_, i) => `team-${String(i).padStart(3, '0')}-${'x'.repeat(50)}`);
    // 100 long names would push the key past its bound and leave the answer uncached.
    expect(compiled.decideAccess(req({ groups: [...many, 'ops'].sort() }))).toBe('two_factor');
    expect(compiled.decideAccess(req({ groups: ['ops', 'zz-other'] }))).toBe('two_factor');
    expect(compiled.decideAccess(req({ groups: ['aa-other', 'ops'] }))).toBe('two_factor');
    expect(compiled.cachedDecisions()).toBe(1);
  });

  it('refuses "*" and names outside the character set, with the key path', () => {
    const outcome = parsePolicyFiles([{ name: 'p.yaml', path: 'p.yaml', text: yaml(
      'access:',
      '  rules:',
      '    - groups: ["*"]',
      '      policy: bypass',
      '    - groups: ["a,b"]',
      '      policy: bypass',
      '    - groups: []',
      '      policy: bypass',
    ) }]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => `${e.key}: ${e.message}`)).toEqual([
      'access.rules[0].groups[0]: groups take names; for any signed-in user write roles: ["*"]',
      expect.stringMatching(/^access\.rules\[1\]\.groups\[0\]: expected a group name: 1–64 letters/),
      'access.rules[2].groups: expected at least one entry; leave the key out to match anything',
    ]);
  });
});
