import { describe, expect, it } from 'vitest';
import { eventWords } from '../../../gateway/audit/event-words.js';
import { AUDIT_EVENTS } from '../../../gateway/audit/events.js';
import { describeSecurityFacts, factsFromOlderContext, type SecurityFacts } from '../../../gateway/recovery/security-events.js';

const at = (iso: string) => new Date(iso);
const when = (value: Date | string) => new Date(value).toISOString().slice(0, 16);

describe('recent security events as sentences (issue 28 item 5)', () => {
  it('tells what is known, in order, with "unknown" where location data is missing', () => {
    const facts: SecurityFacts = {
      lastSuccess: { at: at('2026-02-27T09:00:00Z'), ip: '89.160.20.112', location: 'Linköping, SE', network: 'AS29518 Bredband2 AB', method: 'webauthn' },
      recentLocations: ['Linköping, SE', 'Oslo, NO'],
      recentNetworks: ['AS29518 Bredband2 AB'],
      failures: { count: 1, lastAt: at('2026-02-28T21:00:00Z'), lastFrom: '203.0.113.9, location unknown' },
      lastSent: { accessEmail: null, recoveryCode: at('2026-01-05T10:00:00Z') },
      lastChanged: { secondFactor: at('2025-12-01T08:00:00Z'), backupCodes: null },
    };
    expect(describeSecurityFacts(facts, when)).toEqual([
      'Last signed in successfully on 2026-02-27T09:00 from Linköping, SE (89.160.20.112), network AS29518 Bredband2 AB, with a security key.',
      'Recent sign-ins came from Linköping, SE and Oslo, NO, on the networks AS29518 Bredband2 AB.',
      '1 failed sign-in recently; the last on 2026-02-28T21:00 from 203.0.113.9, location unknown.',
      'No access email has been sent.',
      'A recovery code was last sent on 2026-01-05T10:00.',
      'The second factor last changed on 2025-12-01T08:00.',
      'No backup codes have been generated.',
    ]);
  });

  it('a request stored before these were gathered tells only its sign-ins, never "never sent"', () => {
    const facts = factsFromOlderContext({ account: { exists: true }, lastSuccess: null, recentLocations: [], recentNetworks: [], recentFailures: 2 });
    expect(describeSecurityFacts(facts!, when)).toEqual(['Has not signed in successfully recently.', '2 failed sign-ins recently.']);
    expect(factsFromOlderContext({ account: null })).toBeNull();
  });

  it('every audit event has words, and an unknown one keeps its code', () => {
    for (const event of AUDIT_EVENTS) expect(eventWords(event)).not.toBe(event);
    expect(eventWords('assistance.submitted')).toBe('Asked for help');
    expect(eventWords('something.new')).toBe('something.new');
  });
});
