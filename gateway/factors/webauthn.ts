/**
 * WebAuthn as a second factor (W3C WebAuthn L2 §7): registration and authentication ceremonies,
 * each answered against a challenge stored server-side and consumed once (SECURITY W1–W3).
 * No Hono here: the HTTP layer works out the relying party and maps outcomes to statuses.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { webauthnCredentials } from '../../db/schema/index.js';
import type { Clock } from '../core/clock.js';
import { consumeWebauthnChallenge, issueWebauthnChallenge, challengeOf, WEBAUTHN_CHALLENGE_TTL_MS } from './webauthn-challenges.js';

export type UserVerification = 'required' | 'preferred' | 'discouraged';

/** Who the ceremony is for: the RP ID (a host name) and the exact origin the browser must report. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export interface CeremonyInput {
  userId: string;
  sessionIdHash: string;
  rp: RelyingParty;
  userVerification: UserVerification;
}

export const WEBAUTHN_KEY_NAME_MAX = 64;

export type RegistrationOutcome =
  | { ok: true; credential: { id: string; name: string; deviceType: string; backedUp: boolean } }
  | { ok: false; reason: 'challenge_invalid' | 'verification_failed' | 'credential_exists'; detail?: string };

export type AuthenticationOutcome =
  | { ok: true; credential: { id: string; name: string; counter: number; deviceType: string | null; backedUp: boolean } }
  | { ok: false; reason: 'challenge_invalid' | 'unknown_credential' | 'verification_failed' | 'counter_regression'; detail?: string };

/** A user's keys, oldest first. */
export function listWebauthnKeys(db: Executor, userId: string) {
  return db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId)).orderBy(asc(webauthnCredentials.createdAt));
}

/** A key name as typed: control characters dropped, spaces collapsed, bounded. Empty when nothing is left. */
export function cleanKeyName(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return raw.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, WEBAUTHN_KEY_NAME_MAX);
}

export async function createRegistrationOptions(
  db: Executor, clock: Clock,
  input: CeremonyInput & { userName: string; userDisplayName: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listWebauthnKeys(db, input.userId);
  const challenge = await issueWebauthnChallenge(db, clock, { ...input, purpose: 'register' });
  return generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.userName,
    userDisplayName: input.userDisplayName,
    userID: new TextEncoder().encode(input.userId),
    challenge,
    timeout: WEBAUTHN_CHALLENGE_TTL_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((key) => ({ id: key.credentialId, transports: key.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: input.userVerification },
  });
}

/**
 * Finishes a registration inside the caller's transaction. The challenge is consumed first, so a
 * failed answer burns it too; the caller commits failures as well as successes.
 */
export async function verifyRegistration(
  tx: Executor, clock: Clock,
  input: CeremonyInput & { response: RegistrationResponseJSON; name: string },
): Promise<RegistrationOutcome> {
  const challenge = challengeOf(input.response);
  if (!challenge || !await consumeWebauthnChallenge(tx, clock, { ...input, challenge, purpose: 'register' })) {
    return { ok: false, reason: 'challenge_invalid' };
  }
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      requireUserPresence: true,
      requireUserVerification: input.userVerification === 'required',
    });
  } catch (error) {
    return { ok: false, reason: 'verification_failed', detail: String(error instanceof Error ? error.message : error) };
  }
  if (!verified.verified) return { ok: false, reason: 'verification_failed' };
  const info = verified.registrationInfo;
  const [held] = await tx.select({ n: count() }).from(webauthnCredentials).where(eq(webauthnCredentials.userId, input.userId));
  const name = input.name || `Security key ${(held?.n ?? 0) + 1}`;
  // SECURITY W3: the unique index decides, also between two accounts racing for one credential.
  const inserted = await tx.insert(webauthnCredentials).values({
    id: randomUUID(),
    userId: input.userId,
    credentialId: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name,
    createdAt: clock.now(),
  }).onConflictDoNothing({ target: webauthnCredentials.credentialId }).returning({ id: webauthnCredentials.id });
  const row = inserted[0];
  if (!row) return { ok: false, reason: 'credential_exists' };
  return { ok: true, credential: { id: row.id, name, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp } };
}

export async function createAuthenticationOptions(
  db: Executor, clock: Clock, input: CeremonyInput,
): Promise<{ ok: true; options: PublicKeyCredentialRequestOptionsJSON } | { ok: false; reason: 'no_credentials' }> {
  const keys = await listWebauthnKeys(db, input.userId);
  if (keys.length === 0) return { ok: false, reason: 'no_credentials' };
  const challenge = await issueWebauthnChallenge(db, clock, { ...input, purpose: 'authenticate' });
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    challenge,
    timeout: WEBAUTHN_CHALLENGE_TTL_MS,
    userVerification: input.userVerification,
    allowCredentials: keys.map((key) => ({ id: key.credentialId, transports: key.transports })),
  });
  return { ok: true, options };
}

/** Checks an assertion inside the caller's transaction; on success the key's counter has moved on. */
export async function verifyAuthentication(
  tx: Executor, clock: Clock, input: CeremonyInput & { response: AuthenticationResponseJSON },
): Promise<AuthenticationOutcome> {
  const challenge = challengeOf(input.response);
  if (!challenge || !await consumeWebauthnChallenge(tx, clock, { ...input, challenge, purpose: 'authenticate' })) {
    return { ok: false, reason: 'challenge_invalid' };
  }
  const credentialId = typeof input.response.id === 'string' && input.response.id.length <= 1024 ? input.response.id : '';
  const [key] = await tx.select().from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.credentialId, credentialId), eq(webauthnCredentials.userId, input.userId))).limit(1);
  if (!key) return { ok: false, reason: 'unknown_credential' };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      // Counter 0 turns off the library's own check, which runs before the signature is known to be
      // good; the regression is judged below, on a verified counter, so it can be audited as such.
      credential: { id: key.credentialId, publicKey: Buffer.from(key.publicKey, 'base64url'), counter: 0, transports: key.transports },
      requireUserVerification: input.userVerification === 'required',
    });
  } catch (error) {
    return { ok: false, reason: 'verification_failed', detail: String(error instanceof Error ? error.message : error) };
  }
  if (!verified.verified) return { ok: false, reason: 'verification_failed' };
  const next = verified.authenticationInfo.newCounter;
  // WebAuthn L2 §6.1.1: a counter that does not grow (unless both are 0) hints at a cloned key.
  if ((next > 0 || key.counter > 0) && next <= key.counter) {
    return { ok: false, reason: 'counter_regression', detail: `stored ${key.counter}, presented ${next}` };
  }
  const moved = await tx.update(webauthnCredentials)
    .set({ counter: next, lastUsedAt: clock.now(), backedUp: verified.authenticationInfo.credentialBackedUp })
    .where(and(
      eq(webauthnCredentials.id, key.id),
      next === 0 ? eq(webauthnCredentials.counter, 0) : lt(webauthnCredentials.counter, next),
    ))
    .returning({ id: webauthnCredentials.id });
  if (moved.length === 0) return { ok: false, reason: 'counter_regression', detail: 'counter moved concurrently' };
  const { credentialDeviceType, credentialBackedUp } = verified.authenticationInfo;
  return { ok: true, credential: { id: key.id, name: key.name, counter: next, deviceType: key.deviceType ?? credentialDeviceType, backedUp: credentialBackedUp } };
}

export async function renameWebauthnKey(db: Executor, userId: string, id: string, name: string): Promise<boolean> {
  const rows = await db.update(webauthnCredentials).set({ name })
    .where(and(eq(webauthnCredentials.id, id), eq(webauthnCredentials.userId, userId))).returning({ id: webauthnCredentials.id });
  return rows.length > 0;
}

export async function removeWebauthnKey(tx: Executor, userId: string, id: string): Promise<{ name: string; credentialId: string } | undefined> {
  const [row] = await tx.delete(webauthnCredentials)
    .where(and(eq(webauthnCredentials.id, id), eq(webauthnCredentials.userId, userId)))
    .returning({ name: webauthnCredentials.name, credentialId: webauthnCredentials.credentialId });
  return row;
}

/** The key ids that look like ours, so a malformed path parameter never reaches the database. */
export function isKeyId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
