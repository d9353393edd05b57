import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config/schema.js';

/** The session cookie's attributes in one place (SECURITY S2). */
export function sessionCookieOptions(config: Config, expiresAt?: Date, nowMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'Lax' as const,
    path: '/',
    secure: config.server.public_url.startsWith('https://'),
    ...(config.session.cookie_domain ? { domain: config.session.cookie_domain } : {}),
    ...(expiresAt && nowMs !== undefined ? { maxAge: Math.max(0, Math.floor((expiresAt.getTime() - nowMs) / 1000)) } : {}),
  };
}

export function setSessionCookie(c: Context, config: Config, value: string, expiresAt: Date, nowMs: number): void {
  setCookie(c, config.session.cookie_name, value, sessionCookieOptions(config, expiresAt, nowMs));
}

export function clearSessionCookie(c: Context, config: Config): void {
  deleteCookie(c, config.session.cookie_name, sessionCookieOptions(config));
}

export function csrfCookieName(config: Config): string {
  return `${config.session.cookie_name}_csrf`;
}
