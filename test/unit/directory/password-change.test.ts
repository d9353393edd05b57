import { describe, expect, it } from 'vitest';
import { passwordModifyRequest, unicodePwdValue } from '../../../gateway/directory/password-change.js';

describe('password change encodings', () => {
  it('RFC 3062: SEQUENCE { [0] userIdentity, [2] newPasswd }, no old password', () => {
    const value = passwordModifyRequest('uid=a', 'pw');
    expect(value.toString('hex')).toBe(`30${'0b'}80${'05'}${Buffer.from('uid=a').toString('hex')}82${'02'}${Buffer.from('pw').toString('hex')}`);
  });

  it('AD unicodePwd: the password in double quotes, UTF-16LE', () => {
    expect(unicodePwdValue('Pä1')).toEqual(Buffer.from([0x22, 0, 0x50, 0, 0xe4, 0, 0x31, 0, 0x22, 0]));
  });
});
