import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../db/schema/index.js';
import { FixedClock } from '../../gateway/core/clock.js';
import { createLogger } from '../../gateway/core/logger.js';
import { enqueueEmail, enqueueSms } from '../../gateway/delivery/outbox.js';
import { createSmsWebhookTransport } from '../../gateway/delivery/sms-webhook.js';
import { createSmtpTransport } from '../../gateway/delivery/smtp.js';
import { emailOtpEmail } from '../../gateway/delivery/templates/index.js';
import { startDeliveryWorker } from '../../gateway/delivery/worker.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';

interface Received { to: string[]; body: string }

async function startSmtpSink(port: number) {
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
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
const logger = createLogger('silent');
const SECRET = 'delivery-test-secret-0123456789-0123456789';

beforeAll(async () => { storage = await openTestStorage(); });
afterAll(async () => { await storage?.close(); });

describe('delivery path', () => {
  it('sends an enqueued email through SMTP with recipient, subject and code', async () => {
    const port = await freePort();
    const sink = await startSmtpSink(port);
    const clock = new FixedClock('2026-05-01T10:00:00Z');
    const worker = startDeliveryWorker({ db: storage.db, clock, logger, email: createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'Recourse <r@localhost>' }), sms: null, pollMs: 60_000, serverSecret: SECRET });
    const id = await storage.db.transaction((tx) => enqueueEmail(tx, SECRET, { kind: 'email_otp', to: 'ann@example.com', email: emailOtpEmail({ name: 'Ann', code: '493817', ttlMinutes: 10 }) }, clock.now()));
    const [waiting] = await storage.db.select().from(outbox).where(eq(outbox.id, id));
    // Waiting, the body is sealed: the row shows neither the code nor any plain body.
    expect(JSON.stringify(waiting)).not.toContain('493817');
    expect(waiting!.sealedBody).toMatch(/^v1\./);
    await worker.poke();
    await worker.stop();
    await sink.close();
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.to).toEqual(['ann@example.com']);
    expect(sink.received[0]!.body).toContain('493817');
    expect(sink.received[0]!.body).toMatch(/^Subject: .*Recourse/m);
    const [row] = await storage.db.select().from(outbox).where(eq(outbox.id, id));
    expect(row!.status).toBe('email_sent');
    // Delivered, the body is gone: the envelope stays for the record.
    expect(row).toMatchObject({ sealedBody: null, text: '', html: '', recipient: 'ann@example.com', kind: 'email_otp' });
  });

  it('gives up on a body sealed under another secret, and still sends a plain body queued before sealing', async () => {
    const port = await freePort();
    const sink = await startSmtpSink(port);
    const clock = new FixedClock('2026-05-01T10:30:00Z');
    const rotated = await storage.db.transaction((tx) => enqueueEmail(tx, 'an-older-secret-0123456789-0123456789-xx', { kind: 'email_otp', to: 'old@example.com', email: emailOtpEmail({ code: '700700', ttlMinutes: 10 }) }, clock.now()));
    const legacy = crypto.randomUUID();
    await storage.db.insert(outbox).values({ id: legacy, channel: 'email', kind: 'notice', recipient: 'legacy@example.com', subject: 'Queued earlier', text: 'plain body 808080', html: '', nextAttemptAt: clock.now(), createdAt: clock.now() });
    const worker = startDeliveryWorker({ db: storage.db, clock, logger, email: createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'r@localhost' }), sms: null, pollMs: 60_000, serverSecret: SECRET });
    await worker.poke();
    await worker.stop();
    await sink.close();
    const rows = await storage.db.select().from(outbox);
    expect(rows.find((r) => r.id === rotated)).toMatchObject({ status: 'failed', sealedBody: null, lastError: expect.stringContaining('session.secret') });
    expect(rows.find((r) => r.id === legacy)).toMatchObject({ status: 'email_sent', text: '' });
    expect(sink.received.map((m) => m.to[0])).toEqual(['legacy@example.com']);
    expect(sink.received[0]!.body).toContain('808080');
  });

  it('keeps a message pending while SMTP is down and delivers it once SMTP returns, across a restart', async () => {
    const port = await freePort();
    const clock = new FixedClock('2026-05-01T11:00:00Z');
    const transport = () => createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'Recourse <r@localhost>', timeoutMs: 2_000 });
    const first = startDeliveryWorker({ db: storage.db, clock, logger, email: transport(), sms: null, pollMs: 60_000, serverSecret: SECRET });
    const id = await storage.db.transaction((tx) => enqueueEmail(tx, SECRET, { kind: 'notice', to: 'bob@example.com', email: emailOtpEmail({ code: '111222', ttlMinutes: 10 }) }, clock.now()));
    await first.poke();
    let [row] = await storage.db.select().from(outbox).where(eq(outbox.id, id));
    expect(row!.status).toBe('pending');
    expect(row!.attempts).toBe(1);
    expect(row!.lastError).toBeTruthy();
    await first.stop();

    // A "restarted" gateway: a new worker, SMTP back, backoff elapsed.
    const sink = await startSmtpSink(port);
    const second = startDeliveryWorker({ db: storage.db, clock, logger, email: transport(), sms: null, pollMs: 60_000, serverSecret: SECRET });
    await second.poke();
    [row] = await storage.db.select().from(outbox).where(eq(outbox.id, id));
    expect(row!.status).toBe('pending');
    clock.advance(10_000);
    await second.poke();
    await second.stop();
    await sink.close();
    [row] = await storage.db.select().from(outbox).where(eq(outbox.id, id));
    expect(row!.status).toBe('email_sent');
    expect(sink.received.filter((m) => m.to.includes('bob@example.com'))).toHaveLength(1);
  });

  it('posts SMS to the webhook and records success and failure', async () => {
    const bodies: unknown[] = [];
    let status = 200;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c; });
      req.on('end', () => { bodies.push(JSON.parse(body)); res.writeHead(status).end(); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sms`;
    const clock = new FixedClock('2026-05-01T12:00:00Z');
    const worker = startDeliveryWorker({ db: storage.db, clock, logger, email: createSmtpTransport({ url: 'smtp://127.0.0.1:1', from: 'x@y' }), sms: createSmsWebhookTransport({ url }), pollMs: 60_000, serverSecret: SECRET });
    const ok = await storage.db.transaction((tx) => enqueueSms(tx, SECRET, { kind: 'recovery_code', to: '+4915112345678', text: 'Your code: ABCD-EFGH-JKMN' }, clock.now()));
    await worker.poke();
    status = 400;
    const bad = await storage.db.transaction((tx) => enqueueSms(tx, SECRET, { kind: 'recovery_code', to: '+4915112345678', text: 'Your code: ZZZZ' }, clock.now()));
    await worker.poke();
    await worker.stop();
    receiver.close();
    const rows = await storage.db.select().from(outbox);
    expect(rows.find((r) => r.id === ok)!.status).toBe('sms_sent');
    expect(rows.find((r) => r.id === bad)!.status).toBe('failed');
    expect(bodies[0]).toMatchObject({ to: '+4915112345678', text: 'Your code: ABCD-EFGH-JKMN', reference: ok });
    expect(JSON.stringify(rows)).not.toMatch(/ABCD-EFGH-JKMN|ZZZZ/);
  });
});
