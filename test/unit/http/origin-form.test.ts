import { describe, expect, it } from 'vitest';
import { originFormTarget } from '../../../gateway/http/origin-form.js';

// Issue 32 finding 4: `GET http://secret.test/a` with `Host: public.test` was judged for
// public.test and forwarded raw, so a shared upstream served secret.test's virtual host.
describe('originFormTarget', () => {
  it('keeps origin-form and asterisk-form as they are', () => {
    expect(originFormTarget('/a?b=1', 'public.test')).toEqual({ ok: true, target: '/a?b=1' });
    expect(originFormTarget('*', 'public.test')).toEqual({ ok: true, target: '*' });
  });

  it('turns absolute-form for the Host into origin-form', () => {
    expect(originFormTarget('http://public.test/a?b=1', 'public.test')).toEqual({ ok: true, target: '/a?b=1' });
    expect(originFormTarget('HTTPS://Public.Test:8443', 'public.test:8443')).toEqual({ ok: true, target: '/' });
    expect(originFormTarget('http://public.test?q', 'public.test')).toEqual({ ok: true, target: '/?q' });
  });

  it('refuses absolute-form naming another authority, userinfo, or no Host to compare', () => {
    expect(originFormTarget('http://secret.test/a', 'public.test')).toEqual({ ok: false });
    expect(originFormTarget('http://public.test:81/a', 'public.test')).toEqual({ ok: false });
    expect(originFormTarget('http://x@public.test/a', 'public.test')).toEqual({ ok: false });
    expect(originFormTarget('http://public.test/a', undefined)).toEqual({ ok: false });
    expect(originFormTarget('public.test:443', 'public.test')).toEqual({ ok: false });
  });
});
