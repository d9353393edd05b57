import { describe, expect, it } from 'vitest';
import { languageSwitcherReturn } from '../../../gateway/i18n/switcher-return.js';

describe('languageSwitcherReturn', () => {
  it('keeps a path, its query and a local rd', () => {
    expect(languageSwitcherReturn('/.recourse/login')).toBe('/.recourse/login');
    expect(languageSwitcherReturn('/.recourse/login?rd=%2Fapp%2Fx%3Fa%3D1')).toBe('/.recourse/login?rd=%2Fapp%2Fx%3Fa%3D1');
    expect(languageSwitcherReturn('/.recourse/admin?page=2')).toBe('/.recourse/admin?page=2');
  });

  it.each(['https://evil.example', '//evil.example', '/\\evil.example', '/\t/evil.example', '\\\\evil.example', 'javascript:alert(1)'])(
    'drops rd=%j and keeps the rest', (rd) => {
      expect(languageSwitcherReturn(`/.recourse/2fa?x=1&rd=${encodeURIComponent(rd)}`)).toBe('/.recourse/2fa?x=1');
      expect(languageSwitcherReturn(`/.recourse/2fa?rd=${encodeURIComponent(rd)}`)).toBe('/.recourse/2fa');
    },
  );
});
