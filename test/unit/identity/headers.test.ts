import { describe, expect, it } from 'vitest';
import { appIdentitySchema } from '../../../gateway/config/identity-schema.js';
import { sessionAmr, secondFactorAmr, webauthnAmr } from '../../../gateway/identity/amr.js';
import { identityHeaders, identityProfile } from '../../../gateway/identity/headers.js';
import type { SessionView } from '../../../gateway/session/store.js';

const view = (over: Partial<SessionView> = {}): SessionView => ({
  idHash: 'h', user: { id: 'u1', email: 'ada@example.com', name: 'Ada\r\nX-Evil: 1 Lovelace', role: 'admin', type: 'employee', groups: ['ops', 'admin'] },
  authLevel: 2, restricted: false, secondFactorAt: null, secondFactorAmr: 'otp', createdAt: new Date(0), lastSeenAt: new Date(0), expiresAt: new Date(0), obligations: [],
  ...over,
});

describe('identityProfile and identityHeaders', () => {
  it('sends each field under its configured name, leaves out "" and strips every spelling of the names', () => {
    const profile = identityProfile('grafana', appIdentitySchema.parse({ headers: { user: 'X-WEBAUTH-USER', name: '', groups: 'X_Groups' }, assertion: { header: 'X-Assertion' } }));
    expect(identityHeaders(profile, view())).toEqual({
      'x-webauth-user': 'u1', 'remote-username': 'ada@example.com', 'remote-email': 'ada@example.com', x_groups: 'admin,employee,ops', 'remote-auth-level': '2',
    });
    expect([...profile.strip].sort()).toEqual(['remote-auth-level', 'remote-email', 'remote-username', 'x-assertion', 'x-groups', 'x-webauth-user']);
    expect(profile.assertionHeader).toBe('x-assertion');
  });

  it('never lets a value end its header line', () => {
    const profile = identityProfile('app', appIdentitySchema.parse({}));
    expect(identityHeaders(profile, view())['remote-name']).toBe('AdaX-Evil: 1 Lovelace');
  });
});

describe('amr (RFC 8176)', () => {
  it('names the password, the second factor and mfa', () => {
    expect(sessionAmr({ authLevel: 1, secondFactorAmr: null })).toEqual(['pwd']);
    expect(sessionAmr({ authLevel: 2, secondFactorAmr: secondFactorAmr('totp') })).toEqual(['pwd', 'otp', 'mfa']);
    expect(sessionAmr({ authLevel: 2, secondFactorAmr: webauthnAmr({ deviceType: 'singleDevice', backedUp: false }) })).toEqual(['pwd', 'hwk', 'mfa']);
    expect(sessionAmr({ authLevel: 2, secondFactorAmr: null })).toEqual(['pwd', 'mfa']);
  });

  it('a key bound to one device is hwk; a synced passkey, or a key not known, swk', () => {
    expect(webauthnAmr({ deviceType: 'singleDevice', backedUp: false })).toBe('hwk');
    expect(webauthnAmr({ deviceType: 'multiDevice', backedUp: true })).toBe('swk');
    expect(webauthnAmr({ deviceType: 'multiDevice', backedUp: false })).toBe('swk');
    expect(webauthnAmr({ deviceType: null, backedUp: false })).toBe('swk');
    expect(secondFactorAmr('webauthn')).toBe('swk');
  });
});
