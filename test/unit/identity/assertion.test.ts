import { generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../../../gateway/core/clock.js';
import { createAssertionSigner } from '../../../gateway/identity/assertion.js';
import type { Keyring } from '../../../gateway/identity/keyring.js';
import type { SessionView } from '../../../gateway/session/store.js';

const view = (groups: string[] = []): SessionView => ({
  idHash: 'h1', user: { id: 'u1', email: 'ada@example.com', name: 'Ada', role: 'user', type: 'employee', groups },
  authLevel: 2, restricted: false, secondFactorAt: null, secondFactorAmr: 'otp', createdAt: new Date(0), lastSeenAt: new Date(0), expiresAt: new Date(0), obligations: [],
});

async function signer() {
  const { privateKey } = await generateKeyPair('ES256');
  let signatures = 0;
  const keyring = { signer: async () => { signatures++; return { kid: 'k1', key: privateKey }; } } as unknown as Keyring;
  const clock = new FixedClock('2026-12-01T09:00:00Z');
  return { clock, assertions: createAssertionSigner({ keyring, clock, issuer: 'https://login.example.org' }), signatures: () => signatures };
}

describe('the assertion cache', () => {
  it('signs once for a burst of requests of one session and app', async () => {
    const { assertions, signatures } = await signer();
    const session = view();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => assertions.sign(session, 'wiki')));
    expect(new Set(tokens).size).toBe(1);
    expect(signatures()).toBe(1);
    expect(assertions.cached(session, 'wiki')).toBe(tokens[0]);
    expect(assertions.cached(session, 'grafana')).toBeUndefined();
  });

  it('reuses an assertion while more than half its life is left, and not for changed claims', async () => {
    const { assertions, clock } = await signer();
    const token = await assertions.sign(view(), 'wiki');
    clock.advance(29_000);
    expect(assertions.cached(view(), 'wiki')).toBe(token);
    expect(assertions.cached(view(['ops']), 'wiki')).toBeUndefined();
    clock.advance(2_000);
    expect(assertions.cached(view(), 'wiki')).toBeUndefined();
  });
});
