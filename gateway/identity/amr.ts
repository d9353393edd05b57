import type { SecondFactorMethod } from '../auth/second-factor.js';

/**
 * RFC 8176 authentication method references for the assertion's `amr`. Every code a user types
 * (an authenticator app's, an emailed one, a backup or recovery code) is a one-time password.
 * A WebAuthn credential is a proof of possession of a key (webauthnAmr says which kind); when the
 * key is not known the weaker claim, `swk`, is made.
 */
const METHOD_AMR: Record<SecondFactorMethod, 'otp' | 'swk'> = {
  totp: 'otp',
  email_otp: 'otp',
  backup_code: 'otp',
  recovery_code: 'otp',
  webauthn: 'swk',
};

export function secondFactorAmr(method: SecondFactorMethod): string {
  return METHOD_AMR[method];
}

/** What a WebAuthn credential says of itself (simplewebauthn's credentialDeviceType and backup state). */
export interface WebauthnKeyKind {
  deviceType: string | null;
  backedUp: boolean;
}

/**
 * RFC 8176 §2: `hwk` for a key bound to one device (a security key, a platform authenticator
 * that cannot export it), `swk` for a synced passkey: a multi-device credential (WebAuthn L3
 * §6.1.3, backup eligible) lives in software that copies it between devices.
 */
export function webauthnAmr(key: WebauthnKeyKind): 'hwk' | 'swk' {
  return key.deviceType === 'singleDevice' && !key.backedUp ? 'hwk' : 'swk';
}

/** The session's `amr`: `pwd`, then for a second factor its method and `mfa` (RFC 8176 §2). */
export function sessionAmr(session: { authLevel: 1 | 2; secondFactorAmr: string | null }): string[] {
  if (session.authLevel < 2) return ['pwd'];
  return session.secondFactorAmr ? ['pwd', session.secondFactorAmr, 'mfa'] : ['pwd', 'mfa'];
}
