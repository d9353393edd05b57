/**
 * Issue 29 items 5 and 6 through the real server: dates and times are written in the viewer's own
 * zone, which the browser reports in the `recourse_tz` cookie (views/static/local-time.js), with
 * `server.time_zone` until it has, and a zone that does not exist read as UTC; and the request
 * context an administrator judges names the device ("Chrome 131 on Windows"), the string the
 * browser sent kept behind a disclosure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { P, PASSWORD, signedIn } from './admin-support.js';

const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const clock = new FixedClock('2026-03-01T09:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, policy: { access: { default: 'one_factor' } } });
  await gw.addUser({ email: 'tia@example.com', password: PASSWORD, name: 'Tia' });
  await gw.addUser({ email: 'owner@example.com', password: PASSWORD, name: 'Olga Owner', role: 'owner', dataProtectionLevel: 1 });
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

/** The account page's line for this browser's session: "signed in <when> · last seen <when>". */
async function sessionLine(client: TestClient): Promise<string> {
  const { res, html } = await client.page(`${P}/account`);
  expect(res.status).toBe(200);
  const line = /<li class="current">[\s\S]*?signed in ([^·<]+)·/.exec(html);
  expect(line).not.toBeNull();
  return line![1]!.trim();
}

describe('dates in the viewer\'s zone (recourse_tz)', () => {
  it('the account page writes the session\'s sign-in time in the zone the browser reported', async () => {
    const client = new TestClient(gw.url);
    expect((await client.signIn('tia@example.com', PASSWORD)).status).toBe(303);
    // Not reported yet: server.time_zone (UTC here).
    expect(await sessionLine(client)).toBe('1 Mar 2026, 09:00 UTC');
    client.cookies.set('recourse_tz', 'Asia/Tokyo');
    expect(await sessionLine(client)).toBe('1 Mar 2026, 18:00 GMT+9');
    client.cookies.set('recourse_tz', encodeURIComponent('America/New_York'));
    expect(await sessionLine(client)).toBe('1 Mar 2026, 04:00 GMT-5');
    // A zone that does not exist changes nothing for the worse.
    client.cookies.set('recourse_tz', 'Mars/Olympus');
    expect(await sessionLine(client)).toBe('1 Mar 2026, 09:00 UTC');
  });

  it('in the viewer\'s language too: a German browser in Berlin reads the time as written there', async () => {
    const client = new TestClient(gw.url, { 'accept-language': 'de-DE,de;q=0.9' });
    expect((await client.signIn('tia@example.com', PASSWORD)).status).toBe(303);
    client.cookies.set('recourse_tz', 'Europe/Berlin');
    const { html } = await client.page(`${P}/account`);
    expect(html).toMatch(/<li class="current">[\s\S]*?1\. März 2026, 10:00 MEZ/);
  });
});

describe('devices by name in the request context', () => {
  it('names the device a help request came from, with the string as sent on demand', async () => {
    const visitor = new TestClient(gw.url, { 'user-agent': CHROME_WINDOWS });
    await visitor.page(`${P}/assist`);
    const answer = await visitor.postForm(`${P}/assist`, { email: 'tia@example.com', type: 'lost_2fa', message: 'New phone.' });
    const reference = REFERENCE.exec(await answer.text())?.[0];
    expect(reference).toBeDefined();
    await gw.running.assistance.poke();

    const owner = await signedIn(gw, 'owner@example.com');
    const { res, html } = await owner.page(`${P}/admin/requests/${reference}`);
    expect(res.status).toBe(200);
    expect(html).toContain(`Chrome 131 on Windows<details><summary>As sent</summary><span class="code">${CHROME_WINDOWS}</span></details>`);
    // The raw string appears nowhere but behind its disclosure.
    expect(html.split(CHROME_WINDOWS)).toHaveLength(2);
  });
});
