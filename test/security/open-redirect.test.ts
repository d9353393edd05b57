// Attack: an open redirect through `rd`. The attacker mails a genuine sign-in link,
// `P/login?rd=<their site>`; after the victim signs in (or passes the second factor, enrols, saves
// backup codes) the gateway itself sends them to a look-alike page asking for the password again.
// The values are the usual bypasses: absolute and scheme-relative URLs, backslashes, userinfo,
// javascript:, percent-encoded slashes, tab and control characters that browsers strip.
// SECURITY S7: `rd` redirects only to the gateway's own app hosts; everything else lands on the
// default page — in the form's hidden field, in every Location header and in every link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotpCode } from '../../gateway/security/totp.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { P, secretOnPage, seedTotp, STEP_MS } from '../http/totp-support.js';

const PASSWORD = 'correct horse battery';
const clock = new FixedClock('2026-05-04T10:00:10Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let secret = '';

const BAD = [
  'https://evil.example',
  'https://evil.example/login',
  'HTTPS://EVIL.EXAMPLE/',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  'https:evil.example',
  'https://app@evil.example',
  'https://127.0.0.1@evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '%2F%2Fevil.example',
  '\t//evil.example',
  '\\t//evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  ' //evil.example',
  'http://evil.example:80@127.0.0.1',
];

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } } });
  const userId = await gw.addUser({ email: 'victim@example.com', password: PASSWORD });
  secret = await seedTotp(storage, userId, clock);
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

const hiddenRd = (html: string) => /name="rd" value="([^"]*)"/.exec(html)?.[1];
const q = (rd: string) => encodeURIComponent(rd);

/** A Location on the gateway itself: a path (not scheme-relative) or an absolute URL on its own origin. */
function sameOrigin(location: string | null): boolean {
  if (!location) return false;
  if (location.startsWith('/') && !location.startsWith('//') && !location.includes('\\')) return true;
  try {
    return new URL(location).origin === gw.url;
  } catch {
    return false;
  }
}

describe('rd matrix on P/login, P/2fa, P/enroll and P/backup-codes (SECURITY S7)', () => {
  it('control: an absolute URL on the gateway\'s own host is followed', async () => {
    const client = new TestClient(gw.url);
    const res = await client.signIn('victim@example.com', PASSWORD, `${gw.url}/inbox?x=1`);
    expect(res.headers.get('location')).toBe(`${gw.url}/inbox?x=1`);
  });

  it.each(BAD)('rd=%j always lands on the default page', async (rd) => {
    const client = new TestClient(gw.url);
    clock.advance(2 * STEP_MS);

    // Sign-in: the form carries the fallback, and the redirect after the password goes home.
    const login = await client.page(`${P}/login?rd=${q(rd)}`);
    expect(hiddenRd(login.html)).toBe('/');
    const signedIn = await client.postForm(`${P}/login`, { email: 'victim@example.com', password: PASSWORD, rd });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/');

    // The second-factor pages carry the fallback too.
    for (const page of ['/2fa', '/2fa/backup-code', '/2fa/email-otp']) {
      const { res, html } = await client.page(`${P}${page}?rd=${q(rd)}`);
      expect(res.status, page).toBe(200);
      expect(hiddenRd(html), page).toBe('/');
    }
    const stepped = await client.postForm(`${P}/2fa/totp`, { code: generateTotpCode(secret, clock.nowMs()), rd });
    expect(stepped.status).toBe(303);
    expect(stepped.headers.get('location')).toBe('/');
    // Already past the factor, P/2fa sends straight on.
    const again = await client.request(`${P}/2fa?rd=${q(rd)}`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/');

    // Enrolment (replacing the app): the form drops rd, and the redirect after it stays on the gateway.
    const enrol = await client.page(`${P}/enroll?rd=${q(rd)}`);
    expect(hiddenRd(enrol.html)).toBe('');
    secret = secretOnPage(enrol.html);
    const factor = /name="factor" value="([^"]+)"/.exec(enrol.html)![1]!;
    const enrolled = await client.postForm(`${P}/enroll/totp`, { code: generateTotpCode(secret, clock.nowMs()), factor, rd });
    expect(enrolled.status).toBe(303);
    const next = enrolled.headers.get('location');
    expect(sameOrigin(next), String(next)).toBe(true);
    expect(next!.startsWith(`${P}/`)).toBe(true);
    expect(decodeURIComponent(next!)).not.toMatch(/evil|javascript|data:/i);

    // The backup-codes page's "I have saved my codes" goes to the account page, not to rd.
    const codes = await client.page(`${P}/backup-codes?rd=${q(rd)}`);
    expect(codes.res.status).toBe(200);
    const links = [...codes.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(links).toContain(`${P}/account`);
    expect(links.filter((href) => /evil|javascript:|data:text\/html/i.test(href))).toEqual([]);
  });
});
