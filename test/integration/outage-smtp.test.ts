// SMTP outage (SECURITY F1): with nothing listening on the configured SMTP port, an email code, an
// assistance alert to the administrators and a recovery code an administrator sends for that
// request are written to the outbox and wait there (pending, the failure recorded and audited, the
// request's Delivery shown as failed); the user is told we keep trying. When a mail server comes up
// on that port the worker delivers all three by itself, the request's Delivery flips to sent, and
// the code in the late email still signs in.
import { and, eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistanceRequests, auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { stepUpClient } from '../support/step-up.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const PASSWORD = 'smtp outage password';
// First retry after 5 s (delivery/worker.ts backoff); the worker polls every second. Bounds a hang only.
const DELIVERY_WAIT_MS = 20_000;
const POLICY = {
  access: { default: 'two_factor' },
  factors: { email_otp: { enabled: true } },
  recovery: { data_protection_level: 1 },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Received { to: string[]; body: string }

function startSmtpSink(port: number) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), body });
        callback();
      });
    },
  });
  return new Promise<{ received: Received[]; close(): Promise<void> }>((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    received, close: () => new Promise<void>((done) => server.close(() => done())),
  })));
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gw: TestGateway;
let smtpPort = 0;
let sink: Awaited<ReturnType<typeof startSmtpSink>> | undefined;

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  smtpPort = await freePort();
  gw = await startTestGateway({ storage, upstream: upstream.url, policy: POLICY, config: { mail: { smtp_url: `smtp://127.0.0.1:${smtpPort}` } } });
  await gw.addUser({ email: 'waiting@example.com', password: PASSWORD, name: 'Waiting' });
  await gw.addUser({ email: 'dpo@example.com', role: 'admin', dataProtectionLevel: 1, expertMode: true, password: PASSWORD });
});
afterAll(async () => {
  await gw?.close();
  await sink?.close();
  await upstream?.close();
  await storage?.close();
});

const rowsFor = (recipient: string) => storage.db.select().from(outbox).where(eq(outbox.recipient, recipient));

/** The recipient's messages once each has been tried at least once. */
async function attempted(recipient: string) {
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  for (;;) {
    const rows = await rowsFor(recipient);
    if ((rows.length > 0 && rows.every((row) => row.attempts > 0)) || Date.now() > deadline) return rows;
    await sleep(100);
  }
}

describe('SMTP down', () => {
  it('keeps messages in the outbox and delivers them once a mail server listens', async () => {
    const client = new TestClient(gw.url);
    const rd = `${gw.url}/mail`;
    expect((await client.signIn('waiting@example.com', PASSWORD, rd)).status).toBe(303);
    await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
    const sent = await client.postForm(`${P}/2fa/email-otp/send`, { rd });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('We could not send the email to w•••@example.com yet. We keep trying');

    const helper = new TestClient(gw.url);
    await helper.page(`${P}/assist`);
    const asked = await helper.postForm(`${P}/assist`, { email: 'waiting@example.com', type: 'lost_2fa', message: 'phone lost' });
    expect(asked.status).toBe(200);
    const reference = /AR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(await asked.text())![0];
    await gw.running.assistance.poke();
    // The administrator answers it with a recovery code by email (a fresh second factor, expert mode).
    const admin = new TestClient(gw.url);
    expect((await admin.signIn('dpo@example.com', PASSWORD)).status).toBe(303);
    await stepUpClient(gw, admin);
    await admin.page(`${P}/login`);
    const issued = await admin.postJson(`${P}/api/v1/recovery-requests/${reference}/generate-code`, { delivery: 'email', reason: 'Identity verified by phone' });
    expect(issued.status).toBe(200);

    // The assistance answer does not wait for the mail (same timing for every address): wait for the first try.
    const toUser = await attempted('waiting@example.com');
    const code = toUser.find((row) => row.requestId === null);
    const recovery = toUser.find((row) => row.requestId !== null);
    expect(code).toMatchObject({ status: 'pending', kind: expect.stringMatching(/otp/) });
    expect(code!.lastError).toBeTruthy();
    expect(recovery).toMatchObject({ status: 'pending', requestId: expect.any(String) });
    const [alert] = await attempted('dpo@example.com');
    expect(alert).toMatchObject({ status: 'pending' });
    expect(alert!.lastError).toBeTruthy();
    const request = () => storage.db.select().from(assistanceRequests).where(eq(assistanceRequests.reference, reference));
    expect((await request())[0]).toMatchObject({ status: 'approved', delivery: 'failed' });
    const failures = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'delivery.failed'), eq(auditLog.userId, code!.userId!)));
    expect(failures.length).toBeGreaterThanOrEqual(1);

    sink = await startSmtpSink(smtpPort);
    const deadline = Date.now() + DELIVERY_WAIT_MS;
    // The worker marks a row sent after the server has taken the message: wait for both.
    const allSent = async () => [...await rowsFor('waiting@example.com'), ...await rowsFor('dpo@example.com')].every((row) => row.status === 'email_sent');
    while ((sink.received.length < 3 || !(await allSent())) && Date.now() < deadline) await sleep(200);
    expect(sink.received.map((m) => m.to[0]).sort()).toEqual(['dpo@example.com', 'waiting@example.com', 'waiting@example.com']);
    for (const row of [...await rowsFor('waiting@example.com'), ...await rowsFor('dpo@example.com')]) expect(row.status).toBe('email_sent');
    expect((await request())[0]!.delivery).toBe('email_sent');

    const otp = sink.received.map((m) => /code is:\s+(\d{6})\s/.exec(m.body)?.[1]).find(Boolean);
    expect(otp).toMatch(/^\d{6}$/);
    expect((await client.postForm(`${P}/2fa/email-otp`, { code: otp!, rd })).status).toBe(303);
    expect((await client.request('/mail')).status).toBe(200);
    expect(upstream.last()!.headers['remote-email']).toBe('waiting@example.com');
  });
});
