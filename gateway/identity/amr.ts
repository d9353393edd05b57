import type { SecondFactorMethod } from '../auth/second-factor.js';

/**
 * RFC 8176 authentication method references for the assertion's `amr`. Every code a user types
 * (an authenticator app's, an emailed one, a backup or recovery code) is a one-time password;
 * a WebAuthn credential is a proof of possession of a hardware-secured key.
 */
const METHOD_AMR: Record<SecondFactorMethod, 'otp' | 'hwk'> = {
  totp: 'otp',
  email_otp: 'otp',
  backup_code: 'otp',
  recovery_code: 'otp',
  webauthn: 'hwk',
};

export function secondFactorAmr(method: SecondFactorMethod): string {
  return METHOD_AMR[method];
}

/** The session's `amr`: `pwd`, then for a second factor its method and `mfa` (RFC 8176 §2). */
export function sessionAmr(session: { authLevel: 1 | 2; secondFactorAmr: string | null }): string[] {
  if (session.authLevel < 2) return ['pwd'];
  return session.secondFactorAmr ? ['pwd', session.secondFactorAmr, 'mfa'] : ['pwd', 'mfa'];
}
