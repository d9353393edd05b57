// Email codes end to end through the whole gateway and a real SMTP server on loopback: the code
// page enqueues the message, the delivery worker sends it over SMTP (plain, or STARTTLS with a
// self-signed certificate when `mail.tls_reject_unauthorized: false`), and the code from the
// received message signs in to the upstream. An untrusted certificate leaves the message pending
// and the user a clear page.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, outbox } from '../../db/schema/index.js';
import { TestClient } from '../support/client.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { openTestStorage } from '../support/storage.js';
import { startEchoUpstream } from '../support/upstream.js';

const P = '/.recourse';
const PASSWORD = 'smtp test password';
const POLICY = { access: { default: 'two_factor' }, factors: { email_otp: { enabled: true } } };

interface Received { to: string[]; body: string; secure: boolean }

async function startSmtpSink(options: Partial<SMTPServerOptions> = {}) {
  const port = await freePort();
  const received: Received[] = [];
  const secured: string[] = [];
  const server = new SMTPServer({
    authOptional: true, logger: false, disabledCommands: ['STARTTLS'], ...options,
    onSecure(_socket, session, callback) {
      secured.push(session.id);
      callback();
    },
    onData(stream, session, callback) {
      let body = '';
      stream.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), body, secure: session.secure });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, received, secured, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let storage: Awaited<ReturnType<typeof openTestStorage>>;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let certDir: string;
let tls: { key: Buffer; cert: Buffer };

beforeAll(async () => {
  storage = await openTestStorage();
  upstream = await startEchoUpstream();
  certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-smtp-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
    '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' });
  tls = { key: fs.readFileSync(path.join(certDir, 'key.pem')), cert: fs.readFileSync(path.join(certDir, 'cert.pem')) };
});
afterAll(async () => {
  await upstream?.close();
  await storage?.close();
  if (certDir) fs.rmSync(certDir, { recursive: true, force: true });
});

/** One gateway at a time on the shared storage, so only its worker drains the outbox. */
async function withGateway(mail: Record<string, unknown>, run: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startTestGateway({ storage, upstream: upstream.url, policy: POLICY, config: { mail } });
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

/** Signs in with the password and asks for a code through the pages; returns the code page. */
async function requestCode(gw: TestGateway, email: string): Promise<{ client: TestClient; rd: string; res: Response; html: string }> {
  await gw.addUser({ email, password: PASSWORD, name: 'Smtp User' });
  const client = new TestClient(gw.url);
  const rd = `${gw.url}/inbox`;
  expect((await client.signIn(email, PASSWORD, rd)).status).toBe(303);
  expect((await client.request('/inbox')).status).toBe(302);
  const offer = await client.page(`${P}/2fa/email-otp?rd=${encodeURIComponent(rd)}`);
  expect(offer.html).toContain('Email me a code');
  const res = await client.postForm(`${P}/2fa/email-otp/send`, { rd });
  return { client, rd, res, html: await res.text() };
}

function codeIn(body: string): string {
  const code = /code is:\s+(\d{6})\s/.exec(body)?.[1];
  expect(code).toMatch(/^\d{6}$/);
  return code!;
}

async function signInWithCode(client: TestClient, rd: string, code: string, email: string): Promise<void> {
  const res = await client.postForm(`${P}/2fa/email-otp`, { code, rd });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe(rd);
  expect((await client.request('/inbox')).status).toBe(200);
  expect(upstream.last()!.headers['remote-email']).toBe(email);
}

describe('email codes over SMTP', () => {
  it('delivers the code over plain SMTP and signs in with it', async () => {
    const sink = await startSmtpSink();
    try {
      await withGateway({ smtp_url: `smtp://127.0.0.1:${sink.port}` }, async (gw) => {
        const { client, rd, res, html } = await requestCode(gw, 'plain@example.com');
        expect(res.status).toBe(200);
        expect(html).toContain('We sent a 6-digit code to p•••@example.com');
        expect(sink.received).toHaveLength(1);
        const message = sink.received[0]!;
        expect(message.to).toEqual(['plain@example.com']);
        expect(message.body).toMatch(/^Subject: .*Recourse/m);
        expect(message.secure).toBe(false);
        const [row] = await storage.db.select().from(outbox).where(eq(outbox.recipient, 'plain@example.com'));
        expect(row!.status).toBe('email_sent');
        await signInWithCode(client, rd, codeIn(message.body), 'plain@example.com');
      });
    } finally {
      await sink.close();
    }
  });

  it('delivers over STARTTLS to a self-signed server when tls_reject_unauthorized is false', async () => {
    const sink = await startSmtpSink({ disabledCommands: [], key: tls.key, cert: tls.cert });
    try {
      await withGateway({ smtp_url: `smtp://127.0.0.1:${sink.port}`, tls_reject_unauthorized: false }, async (gw) => {
        const { client, rd, res, html } = await requestCode(gw, 'tls@example.com');
        expect(res.status).toBe(200);
        expect(html).toContain('We sent a 6-digit code to t•••@example.com');
        expect(sink.received).toHaveLength(1);
        const message = sink.received[0]!;
        expect(message.to).toEqual(['tls@example.com']);
        expect(message.body).toMatch(/^Subject: .*Recourse/m);
        expect(message.secure).toBe(true);
        expect(sink.secured).toHaveLength(1);
        await signInWithCode(client, rd, codeIn(message.body), 'tls@example.com');
      });
    } finally {
      await sink.close();
    }
  });

  it('an untrusted certificate leaves the message pending and the user a clear page', async () => {
    const sink = await startSmtpSink({ disabledCommands: [], key: tls.key, cert: tls.cert });
    try {
      await withGateway({ smtp_url: `smtp://127.0.0.1:${sink.port}` }, async (gw) => {
        const { res, html } = await requestCode(gw, 'refused@example.com');
        expect(res.status).toBe(200);
        expect(html).toContain('We could not send the email to r•••@example.com yet. We keep trying');
        expect(html).toContain('name="code"');
        expect(sink.received).toHaveLength(0);
        const [row] = await storage.db.select().from(outbox).where(eq(outbox.recipient, 'refused@example.com'));
        expect(row!.status).toBe('pending');
        expect(row!.lastError).toBeTruthy();
        const failed = await storage.db.select().from(auditLog).where(and(eq(auditLog.event, 'delivery.failed'), eq(auditLog.userId, row!.userId!)));
        expect(failed.length).toBeGreaterThanOrEqual(1);
      });
    } finally {
      await sink.close();
    }
  });
});
