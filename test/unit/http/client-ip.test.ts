import { describe, expect, it } from 'vitest';
import { createClientIpResolver, stripMapped } from '../../../gateway/http/client-ip.js';

describe('client IP without trusted proxies', () => {
  const resolver = createClientIpResolver([]);
  it('is the socket peer, whatever X-Forwarded-For says (SECURITY S5)', () => {
    expect(resolver.resolve('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
    expect(resolver.resolve('127.0.0.1', '10.0.0.1, 1.1.1.1')).toBe('127.0.0.1');
  });
  it('unwraps IPv4-mapped IPv6 peers and keeps real IPv6', () => {
    expect(resolver.resolve('::ffff:198.51.100.4', undefined)).toBe('198.51.100.4');
    expect(resolver.resolve('2001:db8::1', undefined)).toBe('2001:db8::1');
    expect(resolver.resolve('::1', '8.8.8.8')).toBe('::1');
  });
  it('trusts nobody', () => {
    expect(resolver.isTrusted('127.0.0.1')).toBe(false);
    expect(resolver.isTrusted('::1')).toBe(false);
  });
  it('falls back to 0.0.0.0 without a peer', () => {
    expect(resolver.resolve(undefined, undefined)).toBe('0.0.0.0');
    expect(resolver.resolve('', undefined)).toBe('0.0.0.0');
  });
});

describe('client IP behind trusted proxies', () => {
  const resolver = createClientIpResolver(['10.0.0.0/8', '192.168.1.10', '2001:db8:aaaa::/48', '::1']);

  it('knows which peers are trusted, in IPv4, IPv6 and mapped forms', () => {
    expect(resolver.isTrusted('10.2.3.4')).toBe(true);
    expect(resolver.isTrusted('::ffff:10.2.3.4')).toBe(true);
    expect(resolver.isTrusted('192.168.1.10')).toBe(true);
    expect(resolver.isTrusted('192.168.1.11')).toBe(false);
    expect(resolver.isTrusted('11.0.0.1')).toBe(false);
    expect(resolver.isTrusted('2001:db8:aaaa:1::5')).toBe(true);
    expect(resolver.isTrusted('2001:db8:aaab::5')).toBe(false);
    expect(resolver.isTrusted('::1')).toBe(true);
    expect(resolver.isTrusted('not-an-ip')).toBe(false);
    expect(resolver.isTrusted('')).toBe(false);
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(resolver.resolve('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
    expect(resolver.resolve('::ffff:203.0.113.9', '1.1.1.1')).toBe('203.0.113.9');
  });

  it('believes a trusted peer: the right-most untrusted hop is the client', () => {
    expect(resolver.resolve('10.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(resolver.resolve('::ffff:10.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(resolver.resolve('10.0.0.1', '198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
    expect(resolver.resolve('10.0.0.1', '198.51.100.7, 192.168.1.10, 10.9.9.9')).toBe('198.51.100.7');
  });

  it('does not let the client choose its address by prepending hops', () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the address it saw.
    expect(resolver.resolve('10.0.0.1', '6.6.6.6, 203.0.113.50')).toBe('203.0.113.50');
  });

  it('reads IPv6 and mapped hops in the chain', () => {
    expect(resolver.resolve('::1', '2001:db8:1::9')).toBe('2001:db8:1::9');
    expect(resolver.resolve('10.0.0.1', '2001:db8:1::9, 2001:db8:aaaa::2')).toBe('2001:db8:1::9');
    expect(resolver.resolve('10.0.0.1', '::ffff:198.51.100.8')).toBe('198.51.100.8');
  });

  it('skips garbage hops and falls back to the peer when nothing usable remains', () => {
    expect(resolver.resolve('10.0.0.1', 'unknown, 198.51.100.7 , garbage')).toBe('198.51.100.7');
    expect(resolver.resolve('10.0.0.1', 'garbage')).toBe('10.0.0.1');
    expect(resolver.resolve('10.0.0.1', '')).toBe('10.0.0.1');
    expect(resolver.resolve('10.0.0.1', undefined)).toBe('10.0.0.1');
  });

  it('takes the left-most hop when every hop is trusted', () => {
    expect(resolver.resolve('10.0.0.1', '10.0.0.3, 10.0.0.2')).toBe('10.0.0.3');
  });
});

describe('stripMapped', () => {
  it.each([
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:abcd', '::ffff:abcd'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s → %s', (input, expected) => expect(stripMapped(input)).toBe(expected));
});
