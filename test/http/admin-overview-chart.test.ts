// The overview's requests and lockouts per day (issue 29 item 8): an SVG drawn on the server, with
// no script, whose bars follow the requests and `login.locked` rows of the last 30 days in the
// server's zone, and the same numbers as a table; an attack wave is the tallest bar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../gateway/audit/write.js';
import { FixedClock, startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { insertRequest, P, PASSWORD, signedIn } from './admin-support.js';

const clock = new FixedClock('2026-04-20T12:00:00Z');
const DAY = 86_400_000;
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, config: { server: { time_zone: 'UTC' } } });
  await gw.addUser({ email: 'owner@example.com', password: PASSWORD, role: 'owner', dataProtectionLevel: 1 });
  await gw.addUser({ email: 'helper@example.com', password: PASSWORD, role: 'admin', dataProtectionLevel: 0 });
  const ago = (days: number) => new Date(clock.nowMs() - days * DAY);
  for (let i = 0; i < 3; i++) await insertRequest(storage, clock, { userId: null, email: `r${i}@example.com`, at: ago(2) });
  await insertRequest(storage, clock, { userId: null, email: 'old@example.com', at: ago(45) });
  // The wave: forty bans begun on one day, a week ago.
  for (let i = 0; i < 40; i++) {
    await recordAudit(storage.db, TEST_SECRET, { event: 'login.locked', at: ago(7), actor: 'system', userId: null, ip: `203.0.113.${i}`, requestId: `wave-${i}`, details: { scope: 'ip' } });
  }
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

describe('requests and lockouts per day on the overview', () => {
  it('is an SVG with a bar per day and series, a summary, and the numbers as a table', async () => {
    const owner = await signedIn(gw, 'owner@example.com');
    const { res, html } = await owner.page(`${P}/admin`);
    expect(res.status).toBe(200);
    const chart = /<figure class="daily-chart"[\s\S]*?<\/figure>/.exec(html)?.[0] ?? html;
    expect(chart).not.toContain('<script');
    expect(chart).toMatch(/<svg viewBox="0 0 600 140"[^>]*role="img"/);
    expect(chart.match(/<rect class="bar bar-requests"/g)).toHaveLength(30);
    expect(chart.match(/<rect class="bar bar-lockouts"/g)).toHaveLength(30);
    expect(chart).toContain('Requests: 3 in 30 days, most on 2026-04-18 (3). Lockouts: 40 in 30 days, most on 2026-04-13 (40).');
    expect(chart).toContain('<title>2026-04-13: 40 lockouts</title>');
    // The wave's bar reaches the top of the plot; a quiet day's has no height.
    expect(chart).toMatch(/<rect class="bar bar-lockouts" x="[\d.]+" y="10\.0" width="[\d.]+" height="110\.0"><title>2026-04-13/);
    expect(chart).toMatch(/<rect class="bar bar-lockouts" x="[\d.]+" y="120\.0" width="[\d.]+" height="0\.0"><title>2026-04-12/);
    expect(chart).toMatch(/<th scope="row">2026-04-18<\/th><td>3<\/td><td>0<\/td>/);
    expect(chart).not.toContain('2026-03-06');
  });

  it('an administrator who may not see requests sees the lockouts only', async () => {
    const helper = await signedIn(gw, 'helper@example.com');
    const { html } = await helper.page(`${P}/admin`);
    expect(html).toContain('<title id="daily-chart-title">Lockouts per day, last 30 days</title>');
    expect(html).not.toContain('bar-requests');
  });
});
