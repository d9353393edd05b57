import { parse } from 'hono/utils/cookie';

/**
 * One cookie's value from a Cookie header, read by hono's own parser (the one behind `getCookie`),
 * so the proxy pipeline and the gateway's pages read the session cookie the same way: the first
 * usable pair wins, as browsers send the most specific path first (RFC 6265 §5.4 step 2).
 */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  return header ? parse(header, name)[name] : undefined;
}
