// Attack: stored XSS and CR/LF injection against administrators. Everything a user or an
// anonymous visitor can type that an admin later sees — a display name, the email typed on the
// sign-in and assistance forms, the assistance message, the User-Agent header — carries markup
// (`<script>`, an `<img onerror>`, attribute breakouts), spreadsheet formulas and CR/LF meant to
// forge a header, an email section or a CSV row. SECURITY A4: user-supplied text is escaped in the
// dashboard, in emails and in logs: no payload appears as live markup on any admin page, JSON
// stays JSON, every CSV row keeps its columns and no cell starts a formula, no subject or log
// record is split.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, outbox, users } from '../../db/schema/index.js';
import { generateBackupCodeSet } from '../../gateway/factors/backup-codes.js';
import { TestClient } from '../support/client.js';
import { FixedClock, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStorage } from '../support/storage.js';
import { signedIn } from '../http/admin-support.js';
import { captureLogs } from './log-capture.js';
import { deliveredEmails } from '../support/mailbox.js';

const logs = captureLogs();

const P = '/.recourse';
const PASSWORD = 'correct horse battery';
const NAME = '<script>alert("name")</script>"><img src=x onerror=alert(1)>\r\nBcc: victim@example.com';
const MESSAGE = '<script>alert("message")</script>\r\nSubject: forged\r\n\r\n"><img src=x onerror=alert(2)>\r\n=HYPERLINK("http://evil.example")';
const USER_AGENT = '<script>alert("ua")</script><img src=x onerror=alert(3)>';
const LOGIN_EMAIL = '<script>alert("login")</script>\r\n=cmd|\' /c calc\'!A0';
const ASSIST_EMAIL = '=1+cmd|x\'@evil.example';
// What must never appear raw on an admin page or in an HTML email.
const LIVE_MARKUP = [/<script>alert\(/i, /<img src=x/i, /"><img/];
const clock = new FixedClock('2026-05-04T10:00:00Z');
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let gw: TestGateway;
let admin: TestClient;
let malloryId = '';
const references: string[] = [];

beforeAll(async () => {
  storage = await openTestStorage();
  gw = await startTestGateway({ storage, clock, logger: logs.logger, policy: { access: { default: 'one_factor' } } });
  await gw.addUser({ email: 'root@example.com', password: PASSWORD, name: 'Root', role: 'super_admin' });
  malloryId = await gw.addUser({ email: 'mallory@example.com', password: PASSWORD, name: 'Mallory' });
  await storage.db.update(users).set({ name: NAME }).where(eq(users.id, malloryId));
  await storage.db.transaction((tx) => generateBackupCodeSet(tx, { config: gw.config, clock, policies: gw.running.policies }, malloryId, 'system', null));
  // An account whose (valid) address starts a spreadsheet formula; it shows in the audit export.
  await gw.addUser({ email: ASSIST_EMAIL, password: PASSWORD, name: 'Formula' });

  // The attacker's input: a failed sign-in with a crafted "email", and two assistance requests.
  const attacker = new TestClient(gw.url, { 'user-agent': USER_AGENT });
  await attacker.page(`${P}/login`);
  for (const email of [LOGIN_EMAIL, ASSIST_EMAIL]) {
    expect((await attacker.postForm(`${P}/login`, { email, password: 'wrong password', rd: '/' })).status).toBe(401);
  }
  await attacker.page(`${P}/assist`);
  for (const email of ['mallory@example.com', ASSIST_EMAIL]) {
    const res = await attacker.postForm(`${P}/assist`, { email, type: 'lost_2fa', message: MESSAGE });
    expect(res.status).toBe(200);
    references.push(/AR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(await res.text())![0]);
  }
  await gw.running.assistance.poke();
  await gw.running.delivery.poke();
  admin = await signedIn(gw, 'root@example.com');
});
afterAll(async () => {
  await gw?.close();
  await storage?.close();
});

function expectNoLiveMarkup(html: string, where: string) {
  for (const pattern of LIVE_MARKUP) expect(html, `${where} contains ${pattern}`).not.toMatch(pattern);
}

/** RFC 4180: records of fields, quotes doubled, CR/LF allowed only inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => { row.push(field); field = ''; };
  const endRow = () => { endField(); rows.push(row); row = []; };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\r' && text[i + 1] === '\n') { endRow(); i++; } else if (ch === '\n') endRow();
    else field += ch;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

describe('what administrators see (SECURITY A4)', () => {
  it('the input was stored as typed (so the pages below really show it)', async () => {
    const rows = await storage.db.select().from(assistanceRequests);
    expect(rows.map((row) => row.message)).toEqual([MESSAGE.replace(/\r\n/g, '\n'), MESSAGE.replace(/\r\n/g, '\n')]);
  });

  it('no dashboard page renders a payload as markup, and the pages do show the escaped text', async () => {
    const pages = [
      '/admin', '/admin/requests', ...references.map((ref) => `/admin/requests/${ref}`),
      '/admin/users', `/admin/users?q=${encodeURIComponent('mallory')}`, `/admin/users/${malloryId}`,
      '/admin/audit', '/admin/audit?event=login.failed', '/admin/backup-codes', '/admin/backup-codes/table',
    ];
    let all = '';
    for (const page of pages) {
      const { res, html } = await admin.page(`${P}${page}`);
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-type'), page).toMatch(/^text\/html/);
      expectNoLiveMarkup(html, page);
      all += html;
    }
    // Each payload was on screen, escaped (hono/jsx escapes & < > " ').
    // (The crafted sign-in "email" is not an address, so it is never recorded at all.)
    for (const shown of ['&lt;script&gt;alert(&quot;name&quot;)', '&lt;script&gt;alert(&quot;message&quot;)', '&lt;script&gt;alert(&quot;ua&quot;)']) {
      expect(all).toContain(shown);
    }
  });

  it('the JSON API answers JSON, never sniffable as HTML', async () => {
    for (const path of ['/api/v1/audit-logs', '/api/v1/recovery-requests']) {
      const res = await admin.request(`${P}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const body = await res.text();
      expect(() => JSON.parse(body)).not.toThrow();
    }
  });

  it('the audit export keeps every row to its columns and defuses formulas', async () => {
    const res = await admin.request(`${P}/admin/audit.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(await res.text());
    const [header, ...records] = rows;
    expect(records.length).toBeGreaterThan(3);
    for (const record of records) expect(record, record.join(',')).toHaveLength(header!.length);
    for (const cell of records.flat()) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    // The formula-like address is there, defused.
    expect(records.flat()).toContain(`'${ASSIST_EMAIL}`);
    // The crafted sign-in "email" is not an address: the log records that, not what was typed.
    expect(records.flat().some((cell) => cell.includes('alert(\\"login\\")'))).toBe(false);
    expect(records.flat().some((cell) => cell.includes('(not an email address)'))).toBe(true);
  });

  it('the alert emails escape the payloads in HTML and keep subjects on one line', async () => {
    const mails = await deliveredEmails(gw, undefined, { atLeast: 2 });
    const alerts = mails.filter((mail) => mail.kind === 'assistance_alert');
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    for (const mail of mails) {
      expect(mail.subject, mail.kind).not.toMatch(/[\r\n]/);
      expect(mail.to, mail.kind).not.toMatch(/[\r\n,;<>]/);
      expectNoLiveMarkup(mail.html, `${mail.kind} html`);
    }
    const alert = alerts.find((mail) => mail.text.includes('mallory@example.com'))!;
    expect(alert.html).toContain('&lt;script&gt;alert(&quot;message&quot;)');
    // In the text part the message is quoted line by line, so it cannot start a section of its own.
    expect(alert.text).not.toMatch(/^Subject: forged/m);
    expect(alert.text).toMatch(/^\s*> Subject: forged/m);
  });

  it('no log record is split or broken by the CR/LF typed into a field', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
    expect(logs.lines.some((line) => /^(Bcc|Subject):/.test(line))).toBe(false);
  });
});
