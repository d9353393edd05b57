import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_AUDIENCE, signSessionToken, verifySessionToken } from '../../../gateway/session/token.js';

// Session tokens (SECURITY S3): one fixed algorithm, expiry and audience checked, nothing else accepted.
const key = new Uint8Array(32).fill(7);
const otherKey = new Uint8Array(32).fill(8);
const NOW = Date.parse('2026-03-01T09:00:00Z');
const HOUR = 3_600_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (sid = 'sid-1') => ({ sid, iss: 'recourse', aud: SESSION_AUDIENCE, iat: Math.floor(NOW / 1000), exp: Math.floor((NOW + HOUR) / 1000) });

describe('session tokens', () => {
  it('round-trips the session id and expiry', async () => {
    const token = await signSessionToken(key, 'sid-1', NOW + HOUR, NOW);
    expect(await verifySessionToken(key, token, NOW)).toEqual({ ok: true, sid: 'sid-1', expiresAtMs: NOW + HOUR });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('refuses a tampered payload that keeps the old signature', async () => {
    const token = await signSessionToken(key, 'sid-1', NOW + HOUR, NOW);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64(claims('sid-of-someone-else'))}.${signature}`;
    expect((await verifySessionToken(key, forged, NOW)).ok).toBe(false);
  });

  it('refuses a flipped signature byte and garbage', async () => {
    const token = await signSessionToken(key, 'sid-1', NOW + HOUR, NOW);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    expect((await verifySessionToken(key, `${token.slice(0, -2)}${last}${token.at(-1)}`, NOW)).ok).toBe(false);
    for (const junk of ['', 'abc', 'a.b.c', `${token}.extra`]) expect((await verifySessionToken(key, junk, NOW)).ok).toBe(false);
  });

  it('refuses a token signed with another key', async () => {
    const token = await signSessionToken(otherKey, 'sid-1', NOW + HOUR, NOW);
    expect((await verifySessionToken(key, token, NOW)).ok).toBe(false);
  });

  it('refuses an expired token, judged by the injected time', async () => {
    const token = await signSessionToken(key, 'sid-1', NOW + HOUR, NOW);
    expect((await verifySessionToken(key, token, NOW + HOUR - 1_000)).ok).toBe(true);
    expect(await verifySessionToken(key, token, NOW + HOUR + 1_000)).toEqual({ ok: false, reason: 'ERR_JWT_EXPIRED' });
  });

  it('refuses a token for another audience or issuer', async () => {
    const wrongAudience = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('recourse')
      .setAudience('recourse:csrf').setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(key);
    expect(await verifySessionToken(key, wrongAudience, NOW)).toEqual({ ok: false, reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    const wrongIssuer = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else')
      .setAudience(SESSION_AUDIENCE).setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(key);
    expect((await verifySessionToken(key, wrongIssuer, NOW)).ok).toBe(false);
  });

  it('refuses a token without exp or without sid', async () => {
    const noExp = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('recourse').setAudience(SESSION_AUDIENCE).sign(key);
    expect((await verifySessionToken(key, noExp, NOW)).ok).toBe(false);
    const noSid = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('recourse').setAudience(SESSION_AUDIENCE)
      .setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(key);
    expect((await verifySessionToken(key, noSid, NOW)).ok).toBe(false);
    const numericSid = await new SignJWT({ sid: 42 }).setProtectedHeader({ alg: 'HS256' }).setIssuer('recourse').setAudience(SESSION_AUDIENCE)
      .setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(key);
    expect((await verifySessionToken(key, numericSid, NOW)).ok).toBe(false);
  });

  it('refuses alg "none", with or without a signature', async () => {
    const unsecured = new UnsecuredJWT(claims()).encode();
    expect((await verifySessionToken(key, unsecured, NOW)).ok).toBe(false);
    const handmade = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`;
    expect((await verifySessionToken(key, handmade, NOW)).ok).toBe(false);
    const token = await signSessionToken(key, 'sid-1', NOW + HOUR, NOW);
    const withOldSignature = `${b64({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.${token.split('.')[2]}`;
    expect((await verifySessionToken(key, withOldSignature, NOW)).ok).toBe(false);
  });

  it('refuses other algorithms even with the right key: HS512', async () => {
    const hs512 = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'HS512' }).setIssuer('recourse')
      .setAudience(SESSION_AUDIENCE).setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(new Uint8Array(64).fill(7));
    expect(await verifySessionToken(key, hs512, NOW)).toEqual({ ok: false, reason: 'ERR_JOSE_ALG_NOT_ALLOWED' });
    const hs512SameKey = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'HS512' }).setIssuer('recourse')
      .setAudience(SESSION_AUDIENCE).setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(key);
    expect((await verifySessionToken(key, hs512SameKey, NOW)).ok).toBe(false);
  });

  it('refuses an RS256 token', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT({ sid: 'sid-1' }).setProtectedHeader({ alg: 'RS256' }).setIssuer('recourse')
      .setAudience(SESSION_AUDIENCE).setExpirationTime(Math.floor((NOW + HOUR) / 1000)).sign(privateKey);
    expect(await verifySessionToken(key, rs256, NOW)).toEqual({ ok: false, reason: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });
});
