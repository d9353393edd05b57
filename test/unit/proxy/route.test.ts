import { describe, expect, it } from 'vitest';
import { pathReadings } from '../../../gateway/policy/request-target.js';
import { policyPath } from '../../../gateway/proxy/route.js';

describe('policyPath', () => {
  it('is the path as received, without the query, not as a URL parser resolves it', () => {
    // WHATWG URL parsing turns this into /public/secret; a servlet container serves /secret.
    const target = '/public/..;x/x/../../secret?q=1';
    expect(policyPath(target, '/public/secret')).toBe('/public/..;x/x/../../secret');
    expect(pathReadings(policyPath(target, '/public/secret')).map((reading) => reading.path)).toContain('/secret');
    expect(policyPath('/a/b#frag', '/a/b')).toBe('/a/b');
    expect(policyPath('/plain', '/plain')).toBe('/plain');
  });

  it("keeps the adapter's reading for targets that are not paths", () => {
    expect(policyPath('*', '/')).toBe('/');
    expect(policyPath('http://app.example/x/../y', '/y')).toBe('/y');
  });
});
