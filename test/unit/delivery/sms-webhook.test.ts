import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmsWebhookTransport } from '../../../gateway/delivery/sms-webhook.js';
import type { OutgoingSms } from '../../../gateway/delivery/message.js';

interface Hit {
  method: string;
  contentType: string | undefined;
  body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((done) => {
      s.closeAllConnections();
      s.close(() => done());
    })),
  );
});

async function receiver(respond: (res: ServerResponse, req: IncomingMessage) => void): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      respond(res, req);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/sms?token=s3cret`, hits };
}

const status = (code: number, body = '') => (res: ServerResponse) => res.writeHead(code).end(body);

const sms: OutgoingSms = { to: '+15551234567', text: 'Your Recourse recovery code: ABCD-EFGH-JKLM', reference: 'ob_77' };

describe('SMS webhook transport', () => {
  it('POSTs {to, text, reference} as JSON and reports a 2xx as sent', async () => {
    const { url, hits } = await receiver(status(200, '{"id":"m1"}'));
    const result = await createSmsWebhookTransport({ url }).send(sms);
    expect(result).toMatchObject({ ok: true, channel: 'sms' });
    expect(hits).toEqual([{ method: 'POST', contentType: 'application/json', body: { to: sms.to, text: sms.text, reference: 'ob_77' } }]);
  });

  it('reports a 500 as a retryable failure', async () => {
    const { url } = await receiver(status(500, 'provider down'));
    const result = await createSmsWebhookTransport({ url }).send(sms);
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) {
      expect(result.error).toContain('500');
      expect(result.error).not.toContain('s3cret'); // the webhook URL may hold a credential
    }
  });

  it('reports a 429 as a retryable failure', async () => {
    const { url } = await receiver(status(429));
    expect(await createSmsWebhookTransport({ url }).send(sms)).toMatchObject({ ok: false, retryable: true });
  });

  it('reports a 400 as a permanent failure', async () => {
    const { url } = await receiver(status(400, 'bad number'));
    expect(await createSmsWebhookTransport({ url }).send(sms)).toMatchObject({ ok: false, retryable: false });
  });

  it('gives up on a receiver that never answers, retryably', async () => {
    const { url } = await receiver(() => {}); // reads the request, never responds
    const started = Date.now();
    const result = await createSmsWebhookTransport({ url, timeoutMs: 200 }).send(sms);
    expect(result).toMatchObject({ ok: false, retryable: true });
    if (!result.ok) expect(result.error).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports an unreachable receiver as retryable', async () => {
    const { url } = await receiver(status(200));
    await new Promise<void>((done) => {
      const s = servers.pop()!;
      s.close(() => done());
    });
    expect(await createSmsWebhookTransport({ url, timeoutMs: 2_000 }).send(sms)).toMatchObject({ ok: false, retryable: true });
  });

  it('refuses a number that is not E.164 without calling the receiver', async () => {
    const { url, hits } = await receiver(status(200));
    const result = await createSmsWebhookTransport({ url }).send({ ...sms, to: '0555 1234' });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(hits).toEqual([]);
  });

  it('rejects a webhook URL that is not http(s) at start-up', () => {
    expect(() => createSmsWebhookTransport({ url: 'file:///etc/passwd' })).toThrow(/sms.webhook_url/);
  });
});
