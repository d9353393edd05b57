/** WebAuthn challenges (SECURITY W1): random, stored server-side, bound to a session, single-use, short-lived. */
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webauthnChallenges } from '../../db/schema/index.js';
import type { Clock } from '../core/clock.js';
import { randomToken } from '../security/random.js';

/** Long enough to find and touch a key; short enough that a leaked challenge is soon worthless. */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;
// W3C WebAuthn L2 §13.4.3 asks for at least 16 random bytes.
const CHALLENGE_BYTES = 32;

export type ChallengePurpose = 'register' | 'authenticate';

interface ChallengeOwner {
  userId: string;
  sessionIdHash: string;
  purpose: ChallengePurpose;
}

/**
 * Stores a fresh challenge and returns its bytes for the options. The base64url form the browser
 * echoes back is exactly the stored text. The user's dead challenges are swept on the way.
 */
export async function issueWebauthnChallenge(db: Executor, clock: Clock, owner: ChallengeOwner): Promise<Uint8Array<ArrayBuffer>> {
  const now = clock.now();
  const challenge = randomToken(CHALLENGE_BYTES);
  await db.delete(webauthnChallenges).where(and(eq(webauthnChallenges.userId, owner.userId), lt(webauthnChallenges.expiresAt, now)));
  await db.insert(webauthnChallenges).values({
    challenge,
    userId: owner.userId,
    purpose: owner.purpose,
    sessionIdHash: owner.sessionIdHash,
    createdAt: now,
    expiresAt: new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS),
  });
  return new Uint8Array(Buffer.from(challenge, 'base64url'));
}

/**
 * Marks the challenge used in one atomic statement: of any number of concurrent answers to it,
 * exactly one gets `true`, and only while it is unexpired and asked for by this same session.
 */
export async function consumeWebauthnChallenge(tx: Executor, clock: Clock, owner: ChallengeOwner & { challenge: string }): Promise<boolean> {
  const now = clock.now();
  const rows = await tx.update(webauthnChallenges).set({ usedAt: now })
    .where(and(
      eq(webauthnChallenges.challenge, owner.challenge),
      eq(webauthnChallenges.purpose, owner.purpose),
      eq(webauthnChallenges.userId, owner.userId),
      eq(webauthnChallenges.sessionIdHash, owner.sessionIdHash),
      isNull(webauthnChallenges.usedAt),
      gt(webauthnChallenges.expiresAt, now),
    ))
    .returning({ challenge: webauthnChallenges.challenge });
  return rows.length === 1;
}

/** The challenge a browser's response claims to answer, read from its clientDataJSON; '' when unreadable. */
export function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string {
  const encoded = response.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 8192) return '';
  try {
    const parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' && parsed.challenge.length <= 256 ? parsed.challenge : '';
  } catch {
    return '';
  }
}
