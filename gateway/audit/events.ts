/** Audit event names (CONTRACT §6), plus compatible extensions documented in README. */
export const AUDIT_EVENTS = [
  'login.succeeded', 'login.failed', 'login.locked',
  'second_factor.succeeded', 'second_factor.failed',
  'totp.enrolled', 'totp.removed', 'webauthn.enrolled', 'webauthn.removed',
  'backup_codes.generated', 'backup_code.used', 'backup_code.failed',
  'email_otp.sent', 'email_otp.used', 'email_otp.failed',
  'assistance.submitted', 'assistance.notified',
  'recovery_request.code_generated', 'recovery_request.cancelled', 'recovery_request.completed',
  'recovery_code.used', 'access_email.sent', 'password.reset', 'password.reset_requested', 'password.changed',
  'second_factor.reset', 'reenrollment.required', 'reenrollment.completed',
  'policy.reloaded', 'policy.rejected', 'policy.changed', 'session.revoked',
  // Extensions.
  'user.created', 'user.invited', 'user.updated', 'user.disabled', 'user.enabled', 'directory.synced', 'admin.bootstrapped', 'logout', 'delivery.failed', 'token.created', 'token.revoked', 'keys.rotated',
] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
