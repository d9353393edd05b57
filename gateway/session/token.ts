import { SignJWT, jwtVerify } from 'jose';

/**
 * The session cookie is a signed token carrying only a random session id. One fixed algorithm
 * (SECURITY S3): `alg: none` and algorithm swaps are refused by jose's `algorithms` allow-list.
 */
const ALGORITHM = 'HS256';
export const SESSION_AUDIENCE = 'recourse:session';
const ISSUER = 'recourse';

export async function signSessionToken(key: Uint8Array, sid: string, expiresAtMs: number, nowMs: number): Promise<string> {
  return new SignJWT({ sid })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor(expiresAtMs / 1000))
    .sign(key);
}

export type TokenCheck = { ok: true; sid: string; expiresAtMs: number } | { ok: false; reason: string };

export async function verifySessionToken(key: Uint8Array, token: string, nowMs: number): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      audience: SESSION_AUDIENCE,
      issuer: ISSUER,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp', 'sid'],
    });
    if (typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'malformed claims' };
    return { ok: true, sid: payload.sid, expiresAtMs: payload.exp * 1000 };
  } catch (error) {
    return { ok: false, reason: (error as { code?: string }).code ?? 'invalid token' };
  }
}
