import { describe, expect, it } from 'vitest';
import { compilePolicy, factorAllowed, type AccessRequest } from '../../../gateway/policy/engine.js';
import { ENGINE_POLICY, policyOf } from './fixtures.js';
import { yaml } from './policy-dir.js';

const policy = policyOf(ENGINE_POLICY);
const { decideAccess } = compilePolicy(policy);

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return { host: 'app.example.com', path: '/', method: 'GET', roles: [], groups: [], ...overrides };
}

describe('decideAccess', () => {
  it.each([
    ['no rule matches: the default', request({}), 'two_factor'],
    ['path and method match', request({ path: '/static/app.css' }), 'bypass'],
    ['method is upper-cased before matching', request({ path: '/static/app.css', method: 'head' }), 'bypass'],
    ['method outside the rule', request({ path: '/static/app.css', method: 'POST' }), 'two_factor'],
    ['a second glob in the list', request({ path: '/favicon.ico' }), 'bypass'],
    ['the query string is not part of the path', request({ path: '/favicon.ico?v=2' }), 'bypass'],
    ['role matches', request({ path: '/admin/users', roles: ['user', 'customer'] }), 'deny'],
    ['"/admin/**" covers "/admin" itself', request({ path: '/admin', roles: ['customer'] }), 'deny'],
    ['other role', request({ path: '/admin/users', roles: ['admin', 'employee'] }), 'two_factor'],
    ['a rule with roles skips anonymous requests', request({ path: '/admin/users' }), 'two_factor'],
    ['host glob and role', request({ host: 'wiki.internal.example', roles: ['user', 'employee'] }), 'one_factor'],
    ['host glob covers deeper subdomains', request({ host: 'a.b.internal.example', roles: ['employee'] }), 'one_factor'],
    ['host glob does not cover the bare domain', request({ host: 'internal.example', roles: ['employee'] }), 'two_factor'],
    ['host is case-insensitive', request({ host: 'LEGACY.Example.COM' }), 'deny'],
    ['the port is stripped', request({ host: 'legacy.example.com:8443' }), 'deny'],
    ['a trailing dot is the same host', request({ host: 'legacy.example.com.' }), 'deny'],
    ['first match wins, even over a later deny', request({ host: 'legacy.example.com', path: '/static/x.js' }), 'bypass'],
    ['roles "*" matches any signed-in user', request({ path: '/reports/q1', roles: ['user'] }), 'one_factor'],
    ['roles "*" never matches an anonymous request', request({ path: '/reports/q1' }), 'two_factor'],
    ['hosts "*" matches any host', request({ host: 'whatever.test:81', path: '/open' }), 'bypass'],
    ['a Host with no one reading is denied, even where "*" would bypass', request({ host: 'whatever..test', path: '/open' }), 'deny'],
    ['two hosts in one Host are denied', request({ host: 'a.test, b.test', path: '/open' }), 'deny'],
  ] as const)('%s', (_, req, expected) => {
    expect(decideAccess(req)).toBe(expected);
  });

  // The attack: dress a protected path up so it matches a bypass (or misses a deny) rule while the
  // upstream resolves it to the protected resource.
  it.each([
    ['dot segments', '/static/../admin/users', 'deny'],
    ['encoded dot segments', '/static/%2e%2e/admin/users', 'deny'],
    ['doubled slashes', '//admin//users', 'deny'],
    ['backslashes', '/static\\..\\admin', 'deny'],
    ['escaped letters', '/%61dmin/users', 'deny'],
    ['encoded dots an upstream may keep literal', '/admin/%2e%2e/static/x.css', 'deny'],
  ] as const)('sees through %s', (_, path, expected) => {
    expect(decideAccess(request({ path, roles: ['customer'] }))).toBe(expected);
  });

  // Issue 32 finding 5: a case-insensitive upstream (Express's default router, IIS, a Windows file
  // system) serves `/ADMIN/x` and `/admin./x` as `/admin/x`, past a deny rule on `/admin/**`.
  it.each([
    ['upper case', '/ADMIN/users'],
    ['mixed case', '/Admin/users'],
    ['a trailing dot', '/admin./users'],
    ['a trailing space, escaped', '/admin%20/users'],
    ['trailing dots and spaces', '/admin. .%20/users'],
    ['case and a dot together', '/ADMIN./users'],
  ] as const)('a deny rule holds against %s', (_, path) => {
    expect(decideAccess(request({ path, roles: ['customer'] }))).toBe('deny');
  });

  it('a case-folded reading never widens a bypass rule', () => {
    // `/STATIC/x` may be another resource to a case-sensitive upstream: the default holds.
    expect(decideAccess(request({ path: '/STATIC/app.css' }))).toBe('two_factor');
    expect(decideAccess(request({ path: '/static./app.css' }))).toBe('two_factor');
    expect(decideAccess(request({ path: '/static/app.css' }))).toBe('bypass');
  });

  it('an upper-case rule holds against a lower-case spelling', () => {
    const upper = compilePolicy(policyOf(yaml('access:', '  default: one_factor', '  rules:', '    - paths: ["/.Git/**"]', '      policy: deny')));
    expect(upper.decideAccess(request({ path: '/.git/config' }))).toBe('deny');
    expect(upper.decideAccess(request({ path: '/.GIT/config' }))).toBe('deny');
  });

  it('does not let an encoded slash reach a bypass rule', () => {
    expect(decideAccess(request({ path: '/secret%2F..%2Fstatic/app.css' }))).toBe('two_factor');
    expect(decideAccess(request({ path: '/static/..%2Fsecret' }))).toBe('two_factor');
  });

  it('compiles once per policy object', () => {
    expect(compilePolicy(policy)).toBe(compilePolicy(policy));
  });

  it('matches a rule whose hosts are written with a trailing dot or in upper case', () => {
    const dotted = compilePolicy(policyOf(yaml('access:', '  default: bypass', '  rules:', '    - hosts: ["Secret.Example.", "*.Internal.Example."]', '      policy: deny')));
    for (const host of ['secret.example', 'SECRET.EXAMPLE.', 'secret.example:8443', 'wiki.internal.example.']) {
      expect(dotted.decideAccess(request({ host })), host).toBe('deny');
    }
    expect(dotted.decideAccess(request({ host: 'public.example' }))).toBe('bypass');
  });

  it('falls back to access.default, whatever it is', () => {
    expect(compilePolicy(policyOf(yaml('access: {default: deny}'))).decideAccess(request({}))).toBe('deny');
  });
});

describe('factorAllowed', () => {
  const factors = policyOf(
    yaml(
      'factors:',
      '  webauthn: {enabled: false}',
      '  backup_codes: {roles: [employee, admin]}',
      '  email_otp: {enabled: true, roles: ["*"]}',
    ),
  );

  it('follows enabled for factors without a roles list', () => {
    expect(factorAllowed(factors, 'totp', 'user', 'customer')).toBe(true);
    expect(factorAllowed(factors, 'webauthn', 'super_admin', 'employee')).toBe(false);
  });

  it('accepts a match on either the role or the user type', () => {
    expect(factorAllowed(factors, 'backup_codes', 'user', 'employee')).toBe(true);
    expect(factorAllowed(factors, 'backup_codes', 'admin', 'user')).toBe(true);
    expect(factorAllowed(factors, 'backup_codes', 'user', 'customer')).toBe(false);
  });

  it('treats "*" as everyone, but never switches on a disabled factor', () => {
    expect(factorAllowed(factors, 'email_otp', 'user', 'customer')).toBe(true);
    expect(factorAllowed(policyOf(''), 'email_otp', 'user', 'customer')).toBe(false);
  });
});
