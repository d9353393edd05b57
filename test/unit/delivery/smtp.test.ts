import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpTransport } from '../../../gateway/delivery/smtp.js';
import type { OutgoingEmail } from '../../../gateway/delivery/message.js';
import { freePort } from '../../support/ports.js';
import { decodeQuotedPrintable, parseMessage } from './helpers.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

async function startServer(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, received };
}

const email: OutgoingEmail = {
  to: 'alice@example.test',
  subject: 'Your Recourse sign-in code',
  text: 'Your Recourse sign-in code is 482913.',
  html: '<p>Your Recourse sign-in code is <b>482913</b>.</p>',
  reference: 'ob_01JH8X9Q',
};

describe('SMTP transport', () => {
  it('delivers over plain SMTP with recipient, subject, code and a Message-ID derived from the reference', async () => {
    const { port, received } = await startServer();
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'Recourse <no-reply@recourse.test>' });
    const result = await transport.send(email);
    transport.close();

    expect(result).toMatchObject({ ok: true, channel: 'email' });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.to).toEqual(['alice@example.test']);
    expect(got.from).toBe('no-reply@recourse.test');
    const { headers, body } = parseMessage(got.raw);
    expect(headers.get('to')).toBe('alice@example.test');
    expect(headers.get('subject')).toBe('Your Recourse sign-in code');
    expect(headers.get('message-id')).toBe('<ob_01JH8X9Q@recourse>');
    expect(headers.get('auto-submitted')).toBe('auto-generated');
    expect(decodeQuotedPrintable(body)).toContain('482913');
  });

  it('keeps the same Message-ID when the same outbox row is sent again', async () => {
    const { port, received } = await startServer();
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test' });
    await transport.send(email);
    await transport.send(email);
    transport.close();
    const ids = received.map((r) => parseMessage(r.raw).headers.get('message-id'));
    expect(ids).toEqual(['<ob_01JH8X9Q@recourse>', '<ob_01JH8X9Q@recourse>']);
  });

  it('reports a server that is down as a retryable failure', async () => {
    const port = await freePort();
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test', timeoutMs: 2000 });
    const result = await transport.send(email);
    transport.close();
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('treats a 550 recipient rejection as permanent', async () => {
    const { port } = await startServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
      },
    });
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test' });
    const result = await transport.send(email);
    transport.close();
    expect(result).toMatchObject({ ok: false, retryable: false });
    if (!result.ok) expect(result.error).toContain('550');
  });

  it('treats a 451 temporary rejection as retryable', async () => {
    const { port } = await startServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
      },
    });
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test' });
    const result = await transport.send(email);
    transport.close();
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('refuses a recipient field holding two addresses without connecting', async () => {
    const port = await freePort();
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test' });
    const result = await transport.send({ ...email, to: 'alice@example.test, mallory@evil.test' });
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('verify() answers false when the server is down', async () => {
    const port = await freePort();
    const transport = createSmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'no-reply@recourse.test', timeoutMs: 2000 });
    expect(await transport.verify?.()).toBe(false);
  });

  it('upgrades with STARTTLS and checks the certificate against the configured CA', async (ctx) => {
    const cert = selfSignedCert();
    if (!cert) return ctx.skip('openssl is not available to mint a certificate for the test server');
    try {
      const { port, received } = await startServer({ disabledCommands: [], key: cert.key, cert: cert.cert });
      const transport = createSmtpTransport({
        url: `smtp://localhost:${port}`,
        from: 'no-reply@recourse.test',
        tls: { ca: cert.cert },
      });
      expect(await transport.verify?.()).toBe(true);
      const result = await transport.send(email);
      transport.close();
      expect(result).toMatchObject({ ok: true, channel: 'email' });
      expect(received[0]?.secure).toBe(true);

      // The same server with no CA configured: the self-signed certificate must be refused.
      const untrusting = createSmtpTransport({ url: `smtp://localhost:${port}`, from: 'no-reply@recourse.test' });
      const refused = await untrusting.send(email);
      untrusting.close();
      expect(refused).toMatchObject({ ok: false, retryable: true });
    } finally {
      rmSync(cert.dir, { recursive: true, force: true });
    }
  });
});

function selfSignedCert(): { key: string; cert: string; dir: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'recourse-smtp-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), dir };
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}
