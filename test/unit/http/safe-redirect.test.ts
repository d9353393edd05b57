import { describe, expect, it } from 'vitest';
import { createRedirectGuard } from '../../../gateway/http/safe-redirect.js';

const HOME = '/';
const guard = createRedirectGuard('https://id.example.com', ['wiki.example.com', '*.apps.example.com', 'admin.example.com:8443']);
const withStar = createRedirectGuard('https://id.example.com', ['*']);

describe('rd: refused targets land on the fallback (SECURITY S7)', () => {
  it.each([
    'https://evil.example',
    'https://evil.example/path',
    '//evil.example',
    '//evil.example/path',
    '/\\evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    'https://app@evil.example',
    'https://wiki.example.com@evil.example/',
    'https://user:pass@wiki.example.com/',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'ftp://wiki.example.com/',
    '/%5Cevil.example',
    '/%5C%5Cevil.example',
    '/%2F%2Fevil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\t//evil.example',
    ' //evil.example',
    'https://wiki.example.com.evil.example/',
    'https://evilwiki.example.com/',
    'https://id.example.com.evil.example/',
    'https://apps.example.com/',
    'https:evil.example',
    'http://[::1]/',
    'evil.example',
    '',
  ])('%j', (rd) => {
    const target = guard(rd, 'id.example.com', HOME);
    if (target === HOME) return;
    // Some encoded forms are admitted as same-site paths: they must then stay on this host.
    const resolved = new URL(target, 'https://id.example.com');
    expect(resolved.host).toBe('id.example.com');
    expect(target.startsWith('/')).toBe(true);
    expect(target.startsWith('//')).toBe(false);
  });

  it('refuses undefined, null and overlong values', () => {
    expect(guard(undefined, 'id.example.com', HOME)).toBe(HOME);
    expect(guard(null, 'id.example.com', HOME)).toBe(HOME);
    expect(guard(`/${'a'.repeat(5000)}`, 'id.example.com', HOME)).toBe(HOME);
  });

  it('refuses control characters anywhere, even inside an allowed URL', () => {
    expect(guard('https://wiki.example.com/\tx', 'id.example.com', HOME)).toBe(HOME);
    expect(guard('/path\u0000', 'id.example.com', HOME)).toBe(HOME);
  });
});

describe('rd: admitted targets', () => {
  it.each([
    ['/', '/'],
    ['/reports?q=1#top', '/reports?q=1#top'],
    ['/a/b/../c', '/a/b/../c'],
    ['/%5Cevil', '/%5Cevil'],
    ['https://id.example.com/account', 'https://id.example.com/account'],
    ['https://wiki.example.com/page?x=1', 'https://wiki.example.com/page?x=1'],
    ['HTTPS://WIKI.EXAMPLE.COM/Page', 'https://wiki.example.com/Page'],
    ['http://wiki.example.com:8080/', 'http://wiki.example.com:8080/'],
    ['https://crm.apps.example.com/', 'https://crm.apps.example.com/'],
    ['https://admin.example.com:8443/x', 'https://admin.example.com:8443/x'],
  ])('%j → %j', (rd, expected) => {
    expect(guard(rd, 'id.example.com', HOME)).toBe(expected);
  });

  it('admits the host the request came to', () => {
    expect(guard('https://other.example/x', 'other.example', HOME)).toBe('https://other.example/x');
    expect(guard('https://other.example/x', 'Other.Example', HOME)).toBe('https://other.example/x');
  });

  it('a "*" app only admits the request host, never every host', () => {
    expect(withStar('https://evil.example/', 'app.example', HOME)).toBe(HOME);
    expect(withStar('https://app.example/ok', 'app.example', HOME)).toBe('https://app.example/ok');
    expect(withStar('https://app.example.evil.example/', 'app.example', HOME)).toBe(HOME);
    expect(withStar('https://app.example/ok', undefined, HOME)).toBe(HOME);
    expect(withStar('https://id.example.com/ok', undefined, HOME)).toBe('https://id.example.com/ok');
  });

  it('compares ports: the public host on another port is another origin', () => {
    expect(guard('https://id.example.com:444/', 'id.example.com', HOME)).toBe(HOME);
  });
});
