/** How a new password reaches the directory (pure encodings; the ldap module sends them). */
import { BerWriter } from 'ldapts';

// RFC 3062 §2: the Password Modify extended operation.
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';
// RFC 3062 §2: PasswdModifyRequestValue's context tags, [0] userIdentity and [2] newPasswd.
const USER_IDENTITY = 0x80;
const NEW_PASSWORD = 0x82;

/** `PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], newPasswd [2] }` (no old password: an administrator's reset). */
export function passwordModifyRequest(userDn: string, newPassword: string): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(userDn, USER_IDENTITY);
  writer.writeString(newPassword, NEW_PASSWORD);
  writer.endSequence();
  return writer.buffer;
}

/** MS-ADTS 3.1.1.3.1.5: unicodePwd takes the password in double quotes, as UTF-16LE. */
export function unicodePwdValue(newPassword: string): Buffer {
  return Buffer.from(`"${newPassword}"`, 'utf16le');
}
