// Attack: abusing how browsers and caches treat the gateway's pages. A shared proxy or the
// browser's back button serves a page holding backup codes or a CSRF token to the next person;
// a hostile site frames the sign-in page to clickjack it; a response is sniffed into script; the
// Referer leaks a reset token to a third party; a network attacker downgrades to http.
// SECURITY S8: auth pages (every page, redirect, error and form answer under the prefix) send
// `Cache-Control: no-store`, a CSP with `frame-ancestors 'none'`, `nosniff`, a `Referrer-Policy`,
// and HSTS exactly when served over https.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { stepUpClient } from '../support/step-up.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let plain: TestGateway;
let secure: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  const policy = { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } };
  plain = await startTestGateway({ storage, policy });
  secure = await startTestGateway({ storage, policy, config: { server: { public_url: 'https://gateway.example' } } });
  await plain.addUser({ email: 'root@example.com', password: PASSWORD, role: 'super_admin' });
});
afterAll(async () => {
  await plain?.close();
  await secure?.close();
  await storage?.close();
});

/** Every kind of answer under the prefix, for an anonymous visitor, a password-only and a full session. */
async function answers(gw: TestGateway): Promise<Array<[string, Response]>> {
  const anonymous = new TestClient(gw.url);
  const passwordOnly = new TestClient(gw.url);
  expect((await passwordOnly.signIn('root@example.com', PASSWORD)).status).toBe(303);
  const full = new TestClient(gw.url);
  await full.signIn('root@example.com', PASSWORD);
  await stepUpClient(gw, full);
  await full.page(`${P}/account`);
  const out: Array<[string, Response]> = [];
  const get = async (who: string, client: TestClient, path: string) => out.push([`${who} GET ${path}`, await client.request(`${P}${path}`)]);
  for (const path of ['/login', '/assist', '/password/reset?token=nope', '/2fa', '/nothing-here-404', '/verify']) await get('anonymous', anonymous, path);
  for (const path of ['/2fa', '/2fa/backup-code', '/2fa/email-otp', '/2fa/recovery-code', '/enroll']) await get('password-only', passwordOnly, path);
  for (const path of ['/account', '/backup-codes', '/enroll', '/admin', '/admin/users', '/admin/audit', '/admin/backup-codes', '/api/v1/backup-codes/stats']) await get('full', full, path);
  out.push(['forged POST (403)', await anonymous.request(`${P}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: 'email=a' })]);
  out.push(['wrong password (401)', await anonymous.postForm(`${P}/login`, { email: 'root@example.com', password: 'wrong wrong wrong', rd: '/' })]);
  return out;
}

describe.each([['http', () => plain, false], ['https', () => secure, true]] as const)('answers under the prefix, public URL over %s (SECURITY S8)', (_scheme, gateway, https) => {
  it(`carry no-store, CSP frame-ancestors 'none', nosniff, a Referrer-Policy${https ? ' and HSTS' : ', and no HSTS'}`, async () => {
    const all = await answers(gateway());
    expect(all.length).toBeGreaterThan(15);
    for (const [what, res] of all) {
      await res.arrayBuffer();
      expect(res.headers.get('cache-control'), what).toMatch(/\bno-store\b/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, what).toMatch(/frame-ancestors 'none'/);
      expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), what).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
      expect(res.headers.get('x-frame-options'), what).toBe('DENY');
      const hsts = res.headers.get('strict-transport-security');
      // At least 180 days, as browsers' preload lists expect.
      if (https) expect(Number(/max-age=(\d+)/.exec(hsts ?? '')?.[1]), what).toBeGreaterThanOrEqual(15_552_000);
      else expect(hsts, what).toBeNull();
    }
  });
});
