/**
 * The attack (issue 32, finding 3): `Host: public.test.` was judged by the access policy as
 * `public.test` (a bypass rule matched) but routed as another host, to the catch-all app. Every
 * spelling of one host must read as the same host, and a Host that could be read two ways is refused.
 */
import { describe, expect, it } from 'vitest';
import { hostPattern, readHost } from '../../../gateway/core/host.js';

function read(raw: string | undefined) {
  const outcome = readHost(raw);
  if (!outcome.ok) throw new Error(`${raw}: refused (${outcome.reason})`);
  return outcome.host;
}

function refusal(raw: string | undefined) {
  const outcome = readHost(raw);
  return outcome.ok ? undefined : outcome.reason;
}

describe('readHost', () => {
  it('reads case, one trailing dot and a port as one host', () => {
    for (const raw of ['public.test', 'PUBLIC.TEST', 'public.test.', 'Public.Test.']) {
      expect(read(raw), raw).toEqual({ name: 'public.test', authority: 'public.test' });
    }
    for (const raw of ['public.test:8080', 'PUBLIC.test.:8080', 'public.test:08080']) {
      expect(read(raw), raw).toEqual({ name: 'public.test', port: 8080, authority: 'public.test:8080' });
    }
  });

  it('reads single labels, IPv4 and bracketed IPv6 literals', () => {
    expect(read('localhost').name).toBe('localhost');
    expect(read('127.0.0.1:3000')).toEqual({ name: '127.0.0.1', port: 3000, authority: '127.0.0.1:3000' });
    expect(read('[::1]')).toEqual({ name: '[::1]', authority: '[::1]' });
    expect(read('[2001:DB8::1]:443')).toEqual({ name: '[2001:db8::1]', port: 443, authority: '[2001:db8::1]:443' });
    expect(read('my_service.internal').name).toBe('my_service.internal');
  });

  it('refuses a missing or empty Host', () => {
    expect(refusal(undefined)).toBe('missing');
    expect(refusal('')).toBe('missing');
  });

  it('refuses more than one host, or anything with spaces', () => {
    expect(refusal('public.test, secret.test')).toBe('multiple');
    expect(refusal('public.test,secret.test')).toBe('multiple');
    expect(refusal('public.test secret.test')).toBe('multiple');
    expect(refusal(' public.test')).toBe('multiple');
    expect(refusal('public.test\t')).toBe('multiple');
  });

  it('refuses userinfo', () => {
    expect(refusal('user@public.test')).toBe('userinfo');
    expect(refusal('public.test:x@secret.test')).toBe('userinfo');
  });

  it('refuses empty labels and more than one trailing dot', () => {
    for (const raw of ['.', '..', 'public..test', '.public.test', 'public.test..', ':8080', '.:80']) {
      expect(refusal(raw), raw).toBe('bad_name');
    }
  });

  it('refuses characters another reader might decode or split on', () => {
    for (const raw of ['public%2etest', 'public.test/x', 'public.test\\x', 'públic.test', 'public.test;x', 'a"b', 'public.test#']) {
      expect(refusal(raw), raw).toBe('bad_name');
    }
  });

  it('refuses labels and names longer than DNS allows', () => {
    expect(read(`${'a'.repeat(63)}.test`).name).toHaveLength(68);
    expect(refusal(`${'a'.repeat(64)}.test`)).toBe('bad_name');
    const long = Array.from({ length: 64 }, () => 'abc').join('.');
    expect(long.length).toBe(255);
    expect(refusal(long)).toBe('bad_name');
  });

  it('refuses a port that is empty, not a number, zero or too large', () => {
    for (const raw of ['public.test:', 'public.test:http', 'public.test:0', 'public.test:65536', 'public.test:123456', 'public.test:80:80', 'public.test:-1', '[::1]:']) {
      expect(refusal(raw), raw).toBe('bad_port');
    }
    expect(read('public.test:65535').port).toBe(65_535);
  });

  it('refuses malformed IPv6 literals and zone ids', () => {
    for (const raw of ['[::1', '[]', '[::1]x', '[:::1::]', '[fe80::1%25eth0]', '[public.test]', '::1']) {
      expect(refusal(raw), raw).not.toBeUndefined();
    }
  });

  it('gives every refusal a message for the 400 answer', () => {
    const outcome = readHost('public..test');
    expect(outcome).toEqual({ ok: false, reason: 'bad_name', message: 'The Host header is not a valid host name.' });
  });
});

describe('hostPattern', () => {
  it('spells configured hosts and globs as requests are read: lower case, one trailing dot dropped', () => {
    expect(hostPattern('Secret.Example.')).toBe('secret.example');
    expect(hostPattern('*.Internal.Example.')).toBe('*.internal.example');
    expect(hostPattern('app.example.com:8443')).toBe('app.example.com:8443');
    expect(hostPattern('*')).toBe('*');
  });
});
