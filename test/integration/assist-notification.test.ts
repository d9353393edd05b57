import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssistanceRequestByReference } from '../../db/queries/assistance.js';
import { auditLog, backupCodes, outbox, totpFactors, users } from '../../db/schema/index.js';
import { recordAudit } from '../../gateway/audit/write.js';
import { openGeoIp } from '../../gateway/context/geoip.js';
import { recordSignInAttempt } from '../../gateway/context/history.js';
import { TestClient } from '../support/client.js';
import { GEOIP_ASN_DB, GEOIP_CITY_DB } from '../support/geoip.js';
import { startTestGateway, TEST_SECRET, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';

const P = '/.recourse';
const REFERENCE = /AR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;
const CLIENT_IP = '89.160.20.112';

interface Received { to: string[]; raw: string }

async function startSmtpSink(port: number) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Header block (unfolded) and the decoded text and HTML parts of a message from nodemailer. */
function parseMessage(raw: string) {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  const parts = boundary ? rest.join('\r\n\r\n').split(`--${boundary}`).slice(1, -1) : [rest.join('\r\n\r\n')];
  const decoded: Record<string, string> = {};
  for (const part of parts) {
    const [partHead = '', ...partBody] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
    const body = partBody.join('\r\n\r\n');
    const type = /content-type:\s*([^;\r\n]+)/i.exec(partHead)?.[1]?.trim() ?? 'text/plain';
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(partHead)?.[1]?.toLowerCase();
    decoded[type] = encoding === 'base64'
      ? Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
        : body;
  }
  const lines = (value = '') => value.replace(/\r\n/g, '\n');
  return { headers, text: lines(decoded['text/plain']), html: lines(decoded['text/html']) };
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let gw: TestGateway;
const admins: Record<string, string> = {};
let alice = '';

beforeAll(async () => {
  storage = await openTestStorage();
  const port = await freePort();
  sink = await startSmtpSink(port);
  gw = await startTestGateway({
    storage,
    policy: {
      access: { default: 'one_factor' },
      recovery: { data_protection_level: 1 },
      rate_limits: { assistance: { per_ip: '100/1h', per_email: '100/1h' } },
    },
    config: {
      server: { trust_proxy: ['127.0.0.1/32'] },
      mail: { smtp_url: `smtp://127.0.0.1:${port}` },
      geoip: { city_db: GEOIP_CITY_DB, asn_db: GEOIP_ASN_DB },
    },
  });
  admins.root = await gw.addUser({ email: 'root@example.com', role: 'super_admin' });
  admins.dpo = await gw.addUser({ email: 'dpo@example.com', role: 'admin', dataProtectionLevel: 1 });
  admins.plainAdmin = await gw.addUser({ email: 'plain-admin@example.com', role: 'admin', dataProtectionLevel: 0 });
  admins.gone = await gw.addUser({ email: 'gone@example.com', role: 'admin', dataProtectionLevel: 1 });
  admins.owner = await gw.addUser({ email: 'owner@example.com', role: 'owner', dataProtectionLevel: 2 });
  admins.broken = await gw.addUser({ email: 'broken address@@example', role: 'admin', dataProtectionLevel: 2 });
  admins.user = await gw.addUser({ email: 'user@example.com', role: 'user', dataProtectionLevel: 3 });
  await storage.db.update(users).set({ active: false }).where(eq(users.id, admins.gone));

  // Alice: TOTP, three unused backup codes, a successful sign-in from the address she asks from.
  alice = await gw.addUser({ email: 'alice@example.com', name: 'Alice Liddell' });
  const now = gw.clock.now();
  await storage.db.insert(totpFactors).values({ id: randomUUID(), userId: alice, secretSealed: 'sealed', createdAt: now, confirmedAt: now });
  const setId = randomUUID();
  await storage.db.insert(backupCodes).values(['a', 'b', 'c'].map((h) => ({ id: randomUUID(), userId: alice, setId, codeHash: h, createdAt: now })));
  const geoip = await openGeoIp({ cityDb: GEOIP_CITY_DB, asnDb: GEOIP_ASN_DB });
  await recordSignInAttempt(storage.db, geoip, { userId: alice, email: 'alice@example.com', success: true, method: 'password', ip: CLIENT_IP, at: now });
  geoip.close();
  await recordAudit(storage.db, TEST_SECRET, { event: 'login.succeeded', at: now, actor: { userId: alice }, userId: alice, ip: CLIENT_IP, location: 'Linköping, SE' });
  await recordAudit(storage.db, TEST_SECRET, { event: 'second_factor.failed', at: now, actor: { userId: alice }, userId: alice, ip: '10.0.0.1', location: 'unknown' });
});
afterAll(async () => {
  await gw?.close();
  await sink?.close();
  await storage?.close();
});

async function submit(fields: Record<string, string>) {
  const client = new TestClient(gw.url, { 'x-forwarded-for': CLIENT_IP });
  await client.page(`${P}/assist`);
  const res = await client.postForm(`${P}/assist`, fields);
  expect(res.status).toBe(200);
  const reference = REFERENCE.exec(await res.text())?.[0];
  expect(reference).toBeDefined();
  // The account work follows the answer (SECURITY A1): wait for the worker before reading the record.
  await gw.running.assistance.poke();
  const row = (await findAssistanceRequestByReference(storage.db, reference!))!;
  return { reference: reference!, row };
}

/** Waits until the worker has handled every alert of the request, then returns what the sink got for it. */
async function delivered(requestId: string, reference: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await storage.db.select().from(outbox).where(eq(outbox.requestId, requestId));
    if (rows.length > 0 && rows.every((r) => r.status !== 'pending')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return sink.received.filter((m) => m.raw.includes(reference));
}

const permitted = () => [admins.root!, admins.dpo!, admins.owner!].sort();
const permittedEmails = ['dpo@example.com', 'owner@example.com', 'root@example.com'];

describe('the administrators\' alert', () => {
  it('reaches exactly the active admins holding the data-protection level, with every section, escaped', async () => {
    const message = '<script>alert(1)</script>\r\nx\r\nBcc: evil@example.com';
    const { reference, row } = await submit({ email: 'alice@example.com', type: 'lost_2fa', message });
    expect(row.userId).toBe(alice);
    expect([...row.notifiedAdmins].sort()).toEqual(permitted());

    const mails = await delivered(row.id, reference);
    expect(mails.map((m) => m.to).sort()).toEqual(permittedEmails.map((e) => [e]));
    expect(sink.received.flatMap((m) => m.to)).not.toContain('evil@example.com');
    expect(sink.received.flatMap((m) => m.to)).not.toContain('alice@example.com');

    for (const mail of mails) {
      const { headers, text, html } = parseMessage(mail.raw);
      // The CRLF in the message stays in the body: no header was injected.
      expect(headers).not.toMatch(/^bcc:/im);
      expect(headers).toMatch(new RegExp(`^Subject: .*${reference}`, 'm'));
      for (const section of ['Request', 'Account status', 'Recent security events', 'Request context']) {
        expect(text).toContain(`\n${section}\n`);
        expect(html).toContain(`>${section}</h2>`);
      }
      expect(text).toMatch(/Email entered:\s+alice@example\.com/);
      expect(text).toMatch(/Two-factor:\s+enabled/);
      expect(text).toMatch(/Unused backup codes:\s+3/);
      expect(text).toMatch(/Active:\s+yes/);
      // Told as sentences (issue 28 item 5), not raw audit rows.
      expect(text).toMatch(/Last signed in successfully on \d{4}-\d\d-\d\d \d\d:\d\d UTC from Linköping, SE \(89\.160\.20\.112\), network AS29518 Bredband2 AB, with a password only\./);
      expect(text).toContain('Recent sign-ins came from Linköping, SE, on the networks AS29518 Bredband2 AB.');
      expect(text).toContain('No failed sign-ins recently.');
      expect(text).not.toContain('login.succeeded');
      expect(text).toMatch(/IP address:\s+89\.160\.20\.112/);
      expect(text).toMatch(/Location:\s+Linköping, SE/);
      expect(text).toMatch(/Network:\s+AS29518 Bredband2 AB/);
      expect(text).toMatch(/IP seen before:\s+yes/);
      expect(text).toMatch(/Network seen before:\s+yes/);
      expect(text).toContain(`${gw.url}${P}/admin/requests/${reference}`);
      expect(text).toContain('verify the requester\'s identity through another channel');
      // The message is quoted line by line in text and escaped in HTML.
      expect(text).toContain('> Bcc: evil@example.com');
      expect(text).not.toMatch(/^Bcc:/m);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toContain('<script');
      expect(html).toContain(`href="${gw.url}${P}/admin/requests/${reference}"`);
    }

    const after = await findAssistanceRequestByReference(storage.db, reference);
    // Delivery describes what was sent to the requester (a recovery code, an access email), not the
    // admins' alert: it stays pending until an administrator acts.
    expect(after!.delivery).toBe('pending');
    const [submitted] = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'assistance.submitted'), eq(auditLog.userId, alice)));
    expect(submitted).toMatchObject({ ip: CLIENT_IP, location: 'Linköping, SE', details: { reference, matched: true } });
    const notified = (await storage.db.select().from(auditLog).where(eq(auditLog.event, 'assistance.notified'))).find((r) => r.details.reference === reference);
    expect([...(notified!.details.admins as string[])].sort()).toEqual(permitted());
  });

  it('alerts the admins about an unmatched email and sends nothing to that address', async () => {
    const { reference, row } = await submit({ email: 'ghost@example.com', type: 'other', message: 'Typo?' });
    expect(row.userId).toBeNull();
    expect([...row.notifiedAdmins].sort()).toEqual(permitted());
    const mails = await delivered(row.id, reference);
    expect(mails.map((m) => m.to).sort()).toEqual(permittedEmails.map((e) => [e]));
    expect(sink.received.flatMap((m) => m.to)).not.toContain('ghost@example.com');
    const { text } = parseMessage(mails[0]!.raw);
    expect(text).toContain('No account matches the email entered.');
    expect(text).toMatch(/Email entered:\s+ghost@example\.com/);
    expect(text).toMatch(/IP seen before:\s+no/);
  });
});
