import { describe, expect, it } from 'vitest';
import { readHost } from '../../../gateway/core/host.js';
import { originFormTarget } from '../../../gateway/http/origin-form.js';

const host = (raw: string) => {
  const read = readHost(raw);
  if (!read.ok) throw new Error(read.message);
  return read.host;
};

// Issue 32 finding 4: `GET http://secret.test/a` with `Host: public.test` was judged for
// public.test and forwarded raw, so a shared upstream served secret.test's virtual host.
describe('originFormTarget', () => {
  it('keeps origin-form and asterisk-form as they are', () => {
    expect(originFormTarget('/a?b=1', host('public.test'))).toEqual({ ok: true, target: '/a?b=1' });
    expect(originFormTarget('*', host('public.test'))).toEqual({ ok: true, target: '*' });
  });

  it('turns absolute-form for the Host into origin-form', () => {
    expect(originFormTarget('http://public.test/a?b=1', host('public.test'))).toEqual({ ok: true, target: '/a?b=1' });
    expect(originFormTarget('HTTPS://Public.Test.:8443', host('public.test:8443'))).toEqual({ ok: true, target: '/' });
    expect(originFormTarget('http://public.test?q', host('public.test'))).toEqual({ ok: true, target: '/?q' });
  });

  it('refuses absolute-form naming another authority, userinfo, or no Host to compare', () => {
    expect(originFormTarget('http://secret.test/a', host('public.test'))).toEqual({ ok: false });
    expect(originFormTarget('http://public.test:81/a', host('public.test'))).toEqual({ ok: false });
    expect(originFormTarget('http://x@public.test/a', host('public.test'))).toEqual({ ok: false });
    expect(originFormTarget('http://public.test/a', undefined)).toEqual({ ok: false });
    expect(originFormTarget('public.test:443', host('public.test'))).toEqual({ ok: false });
  });
});
