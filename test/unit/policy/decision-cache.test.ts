/**
 * The compiled policy remembers its answers. A cache that keyed on too little (no roles, no method,
 * the normalised instead of the raw path) would hand one request another's answer; one that grew
 * with every path would let a client fill the gateway's memory; one that outlived a reload would
 * keep enforcing the old policy. Each of those fails a test here.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_POLICY } from '../../../bench/policy.js';
import { FixedClock } from '../../../gateway/core/clock.js';
import { compilePolicy, DECISION_CACHE_MAX_KEY, DECISION_CACHE_SIZE, type AccessRequest } from '../../../gateway/policy/engine.js';
import type { Policy } from '../../../gateway/policy/schema.js';
import { createPolicyStore, type PolicyStore } from '../../../gateway/policy/watch.js';
import { ENGINE_POLICY, policyOf } from './fixtures.js';
import { makePolicyDir, yaml } from './policy-dir.js';

const req = (overrides: Partial<AccessRequest>): AccessRequest => ({ host: 'app.example.com', path: '/', method: 'GET', roles: [], groups: [], ...overrides });
const customer = ['customer'];

const ENGINE_TABLE: Array<[AccessRequest, string]> = [
  [req({}), 'two_factor'],
  [req({ path: '/static/app.css' }), 'bypass'],
  [req({ path: '/static/app.css', method: 'head' }), 'bypass'],
  [req({ path: '/static/app.css', method: 'POST' }), 'two_factor'],
  [req({ path: '/favicon.ico' }), 'bypass'],
  [req({ path: '/favicon.ico?v=2' }), 'bypass'],
  [req({ path: '/admin/users', roles: ['user', 'customer'] }), 'deny'],
  [req({ path: '/admin', roles: customer }), 'deny'],
  [req({ path: '/admin/users', roles: ['admin', 'employee'] }), 'two_factor'],
  [req({ path: '/admin/users' }), 'two_factor'],
  [req({ host: 'wiki.internal.example', roles: ['user', 'employee'] }), 'one_factor'],
  [req({ host: 'a.b.internal.example', roles: ['employee'] }), 'one_factor'],
  [req({ host: 'internal.example', roles: ['employee'] }), 'two_factor'],
  [req({ host: 'LEGACY.Example.COM' }), 'deny'],
  [req({ host: 'legacy.example.com:8443' }), 'deny'],
  [req({ host: 'legacy.example.com.' }), 'deny'],
  [req({ host: 'legacy.example.com', path: '/static/x.js' }), 'bypass'],
  [req({ path: '/reports/q1', roles: ['user'] }), 'one_factor'],
  [req({ path: '/reports/q1' }), 'two_factor'],
  [req({ host: 'whatever.test:81', path: '/open' }), 'bypass'],
  [req({ path: '/static/../admin/users', roles: customer }), 'deny'],
  [req({ path: '/static/%2e%2e/admin/users', roles: customer }), 'deny'],
  [req({ path: '//admin//users', roles: customer }), 'deny'],
  [req({ path: '/static\\..\\admin', roles: customer }), 'deny'],
  [req({ path: '/%61dmin/users', roles: customer }), 'deny'],
  [req({ path: '/admin/%2e%2e/static/x.css', roles: customer }), 'deny'],
  [req({ path: '/secret%2F..%2Fstatic/app.css' }), 'two_factor'],
  [req({ path: '/static/..%2Fsecret' }), 'two_factor'],
];

/** The bench's 20 rules against requests that stop at different rules, twice over in both directions. */
const BENCH_REQUESTS: AccessRequest[] = [
  '/some/page', '/.env', '/.git/config', '/static/a.js', '/health', '/admin/x', '/api/v2/items', '/reports/q',
  '/settings/security/keys', '/uploads/f', '/export/all', '/app.js.map', '/public/doc', '/d/1', '/static/../.env',
].flatMap((path) => ['GET', 'POST', 'DELETE'].flatMap((method) => [[], ['user', 'customer'], ['admin', 'employee'], ['owner', 'user']].flatMap((roles) =>
  ['app.example.com', 'docs.example.com', 'x.billing.example.com', 'grafana.internal.example'].map((host) => ({ host, path, method, roles, groups: [] })))));


describe('the decision cache', () => {
  it('gives the answers of engine.test.ts, in any order and however often asked', () => {
    const compiled = compilePolicy(policyOf(ENGINE_POLICY));
    const orders = [ENGINE_TABLE, [...ENGINE_TABLE].reverse(), ENGINE_TABLE];
    for (const order of orders) {
      for (const [request, expected] of order) expect(compiled.decideAccess(request), JSON.stringify(request)).toBe(expected);
    }
    expect(compiled.cachedDecisions()).toBe(ENGINE_TABLE.length);
  });

  it('gives the uncached answer for every request of the 20-rule bench policy', () => {
    const policy = policyOf(JSON.stringify(BENCH_POLICY));
    const compiled = compilePolicy(policy);
    // A structural copy compiles afresh; the requests are all different, so each answer is computed.
    const reference = compilePolicy(structuredClone(policy));
    const expected = BENCH_REQUESTS.map((request) => reference.decideAccess(request));
    expect(reference.cachedDecisions()).toBe(BENCH_REQUESTS.length);
    // Not every request lands on the same rule: the table exercises the key, not one answer.
    expect(new Set(expected).size).toBe(4);
    for (const pass of [BENCH_REQUESTS, [...BENCH_REQUESTS].reverse()]) {
      const answers = pass.map((request) => compiled.decideAccess(request));
      expect(answers).toEqual(pass === BENCH_REQUESTS ? expected : [...expected].reverse());
    }
  });

  it('keys on every field: requests one field apart keep their own answers', () => {
    const compiled = compilePolicy(policyOf(ENGINE_POLICY));
    const pairs: Array<[AccessRequest, string, AccessRequest, string]> = [
      [req({ path: '/admin/x', roles: customer }), 'deny', req({ path: '/admin/x', roles: ['employee'] }), 'two_factor'],
      [req({ path: '/static/a.css' }), 'bypass', req({ path: '/static/a.css', method: 'POST' }), 'two_factor'],
      [req({ host: 'legacy.example.com' }), 'deny', req({ host: 'legacy.example.co' }), 'two_factor'],
      [req({ path: '/open' }), 'bypass', req({ path: '/opens' }), 'two_factor'],
      [req({ path: '/reports/1', roles: ['user'] }), 'one_factor', req({ path: '/reports/1', roles: [] }), 'two_factor'],
      // The raw path is the key: a spelling that normalises elsewhere is not served another's answer.
      [req({ path: '/static/a.css' }), 'bypass', req({ path: '/static/../a.css' }), 'two_factor'],
    ];
    for (const [first, firstLevel, second, secondLevel] of pairs) {
      expect(compiled.decideAccess(first)).toBe(firstLevel);
      expect(compiled.decideAccess(second)).toBe(secondLevel);
      expect(compiled.decideAccess(first)).toBe(firstLevel);
    }
  });

  it('stays within its bound after 50,000 distinct paths, and still answers correctly', () => {
    const compiled = compilePolicy(policyOf(ENGINE_POLICY));
    let wrong = 0;
    for (let i = 0; i < 50_000; i++) {
      const path = i % 2 ? `/static/${i}.css` : `/admin/${i}`;
      if (compiled.decideAccess(req({ path, roles: customer })) !== (i % 2 ? 'bypass' : 'deny')) wrong++;
    }
    expect(wrong).toBe(0);
    expect(compiled.cachedDecisions()).toBe(DECISION_CACHE_SIZE);
    // The earliest answers were evicted, and are computed again the same way.
    expect(compiled.decideAccess(req({ path: '/admin/0', roles: customer }))).toBe('deny');
    expect(compiled.decideAccess(req({ path: '/static/1.css', roles: customer }))).toBe('bypass');
    expect(compiled.cachedDecisions()).toBe(DECISION_CACHE_SIZE);
  });

  it('does not remember requests with very long paths, which would make each entry large', () => {
    const compiled = compilePolicy(policyOf(ENGINE_POLICY));
    const long = `/admin/${'a'.repeat(DECISION_CACHE_MAX_KEY)}`;
    expect(compiled.decideAccess(req({ path: long, roles: customer }))).toBe('deny');
    expect(compiled.decideAccess(req({ path: `/static/${'b'.repeat(DECISION_CACHE_MAX_KEY)}.css` }))).toBe('bypass');
    expect(compiled.cachedDecisions()).toBe(0);
  });
});

describe('a new policy version', () => {
  const stores: PolicyStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  const rule = (level: string) => yaml('access:', '  rules:', '    - paths: ["/admin/**"]', `      policy: ${level}`);
  const ADMIN = req({ path: '/admin/users' });

  it('starts with an empty cache and never serves the old version\'s answers', async () => {
    const dir = await makePolicyDir({ 'a.yaml': rule('deny') });
    const outcome = await createPolicyStore({ dir, clock: new FixedClock(), pollMs: 60_000 });
    if (!outcome.ok) throw new Error(outcome.lines.join('\n'));
    const { store } = outcome;
    stores.push(store);
    const old = store.current().compiled;
    expect(old.decideAccess(ADMIN)).toBe('deny');
    expect(old.cachedDecisions()).toBe(1);

    await writeFile(join(dir, 'a.yaml'), rule('bypass'));
    expect(await store.reload()).toMatchObject({ ok: true, changed: true });
    const current = store.current().compiled;
    expect(current).not.toBe(old);
    expect(current.cachedDecisions()).toBe(0);
    expect(current.decideAccess(ADMIN)).toBe('bypass');
    // The old version keeps its own answers for whoever still holds it.
    expect(old.decideAccess(ADMIN)).toBe('deny');
  });
});
