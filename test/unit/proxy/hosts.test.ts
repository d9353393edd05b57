import { describe, expect, it } from 'vitest';
import { readHost } from '../../../gateway/core/host.js';
import { createAppRouter } from '../../../gateway/proxy/hosts.js';

/** Routes a Host header as the proxy does: read once (core/host.ts), then looked up. */
function routerFor(apps: Parameters<typeof createAppRouter>[0]) {
  const router = createAppRouter(apps);
  return (header: string) => {
    const read = readHost(header);
    if (!read.ok) throw new Error(`${header}: ${read.reason}`);
    return router(read.host);
  };
}

const appFor = routerFor([
  { name: 'fallback', host: '*', upstream: 'http://127.0.0.1:9000' },
  { name: 'wiki', host: 'wiki.example.com', upstream: 'http://10.0.0.5:8080/wiki/' },
  { name: 'admin-port', host: 'admin.example.com:8443', upstream: 'https://10.0.0.6' },
  { name: 'internal', host: '*.internal.example', upstream: 'http://10.0.0.7:3000' },
  { name: 'exact-internal', host: 'db.internal.example', upstream: 'http://10.0.0.8:3000' },
]);

describe('app routing by Host', () => {
  it('matches an exact host, ignoring case and the port', () => {
    expect(appFor('wiki.example.com')?.name).toBe('wiki');
    expect(appFor('WIKI.Example.COM:8080')?.name).toBe('wiki');
  });

  it('prefers an exact host:port entry for that port only', () => {
    expect(appFor('admin.example.com:8443')?.name).toBe('admin-port');
    expect(appFor('admin.example.com')?.name).toBe('fallback');
  });

  it('matches globs after exact names, and exact names win over globs', () => {
    expect(appFor('jira.internal.example')?.name).toBe('internal');
    expect(appFor('db.internal.example')?.name).toBe('exact-internal');
    expect(appFor('internal.example')?.name).toBe('fallback');
  });

  it('sends every other host to "*"', () => {
    expect(appFor('anything.example')?.name).toBe('fallback');
  });

  it('routes a trailing dot, upper case and a port to the app the policy judges them as (issue 32, finding 3)', () => {
    for (const host of ['wiki.example.com.', 'WIKI.EXAMPLE.COM', 'wiki.example.com.:8080', 'Wiki.Example.Com.']) {
      expect(appFor(host)?.name, host).toBe('wiki');
    }
    expect(appFor('admin.example.com.:8443')?.name).toBe('admin-port');
    expect(appFor('jira.internal.example.')?.name).toBe('internal');
  });

  it('matches an app whose configured host is written with a trailing dot or in upper case', () => {
    const dotted = routerFor([
      { name: 'dotted', host: 'Dotted.Example.', upstream: 'http://127.0.0.1:1' },
      { name: 'glob', host: '*.Glob.Example.', upstream: 'http://127.0.0.1:1' },
    ]);
    expect(dotted('dotted.example')?.name).toBe('dotted');
    expect(dotted('a.glob.example.')?.name).toBe('glob');
  });

  it('does not let a look-alike host reach an exact app', () => {
    expect(appFor('wiki.example.com.evil.example')?.name).toBe('fallback');
    expect(appFor('xwiki.example.com')?.name).toBe('fallback');
  });

  it('splits the upstream into origin and base path', () => {
    expect(appFor('wiki.example.com')).toEqual({ name: 'wiki', host: 'wiki.example.com', origin: 'http://10.0.0.5:8080', basePath: '/wiki' });
    expect(appFor('admin.example.com:8443')?.basePath).toBe('');
    expect(appFor('admin.example.com:8443')?.origin).toBe('https://10.0.0.6');
  });

  it('answers nothing for an unknown host when no "*" app exists', () => {
    const strict = routerFor([{ name: 'only', host: 'only.example', upstream: 'http://127.0.0.1:1' }]);
    expect(strict('only.example')?.name).toBe('only');
    expect(strict('other.example')).toBeUndefined();
  });

  it('handles an IPv6 literal Host', () => {
    const v6 = routerFor([{ name: 'v6', host: '[::1]', upstream: 'http://127.0.0.1:1' }]);
    expect(v6('[::1]:8080')?.name).toBe('v6');
    expect(v6('[::1]')?.name).toBe('v6');
  });
});
