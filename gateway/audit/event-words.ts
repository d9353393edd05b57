/**
 * Audit event names as the dashboard says them (issue 28 item 5): `assistance.submitted` reads
 * "Asked for help". The codes themselves stay in the API, the CSV export and the filter's values.
 */
import type { AuditEvent } from './events.js';

const WORDS: Readonly<Record<AuditEvent, string>> = {
  'login.succeeded': 'Signed in with password',
  'login.failed': 'Failed sign-in',
  'login.locked': 'Sign-in locked after failures',
  'second_factor.succeeded': 'Passed the second factor',
  'second_factor.failed': 'Failed the second factor',
  'totp.enrolled': 'Set up an authenticator app',
  'totp.removed': 'Removed their authenticator app',
  'webauthn.enrolled': 'Added a security key',
  'webauthn.removed': 'Removed a security key',
  'backup_codes.generated': 'Got new backup codes',
  'backup_code.used': 'Signed in with a backup code',
  'backup_code.failed': 'Wrong backup code',
  'email_otp.sent': 'Was sent an email code',
  'email_otp.used': 'Signed in with an email code',
  'email_otp.failed': 'Wrong email code',
  'assistance.submitted': 'Asked for help',
  'assistance.notified': 'Administrators alerted',
  'recovery_request.code_generated': 'Recovery code sent',
  'recovery_request.cancelled': 'Request cancelled',
  'recovery_request.completed': 'Request completed',
  'recovery_code.used': 'Signed in with a recovery code',
  'access_email.sent': 'Access email sent',
  'password.reset': 'Set a new password',
  'password.reset_requested': 'Asked for a password-reset link',
  'password.changed': 'Changed their password',
  'second_factor.reset': 'Second factor reset by an administrator',
  'reenrollment.required': 'Asked to set up a factor again',
  'reenrollment.completed': 'Did what re-enrolment asked',
  'policy.reloaded': 'Policy reloaded',
  'policy.rejected': 'Policy change refused',
  'policy.changed': 'Settings changed',
  'session.revoked': 'Signed out by an administrator',
  'user.created': 'Account created',
  'user.invited': 'Invited to set up an account',
  'user.updated': 'Account changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'directory.synced': 'Directory synchronised',
  'admin.bootstrapped': 'Super administrator set up',
  logout: 'Signed out',
  'delivery.failed': 'Message could not be delivered',
  'token.created': 'API token created',
  'token.revoked': 'API token revoked',
  'keys.rotated': 'Assertion signing key rotated',
};

/** The words for an event; an event this build does not know keeps its code. */
export function eventWords(event: string): string {
  return (WORDS as Readonly<Record<string, string>>)[event] ?? event;
}
