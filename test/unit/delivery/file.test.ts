import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FixedClock } from '../../../gateway/core/clock.js';
import { createFileTransport } from '../../../gateway/delivery/file.js';
import type { OutgoingEmail } from '../../../gateway/delivery/message.js';
import { decodeQuotedPrintable, parseMessage } from './helpers.js';

const email: OutgoingEmail = {
  to: 'alice@example.test',
  subject: 'Your Recourse sign-in code',
  text: 'Your Recourse sign-in code is 482913.',
  html: '<p>Your Recourse sign-in code is <b>482913</b>.</p>',
  reference: '42',
};

const posix = process.platform !== 'win32';
let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'recourse-outbox-'));
  dir = join(root, 'data', 'outbox'); // does not exist yet: the transport creates it
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('file transport', () => {
  it('writes one parseable .eml per message, private to the gateway user', async () => {
    const logged: { obj: object; msg: string }[] = [];
    const transport = createFileTransport({
      dir,
      from: 'Recourse <no-reply@localhost>',
      clock: new FixedClock('2026-01-15T12:34:56.789Z'),
      logger: { info: (obj, msg) => logged.push({ obj, msg }) },
    });
    const result = await transport.send(email);

    const files = readdirSync(dir);
    expect(files).toEqual(['2026-01-15T12-34-56-789Z-42.eml']);
    const file = join(dir, files[0]!);
    expect(result).toEqual({ ok: true, channel: 'email', detail: file });

    const { headers, body } = parseMessage(readFileSync(file, 'utf8'));
    expect(headers.get('to')).toBe('alice@example.test');
    expect(headers.get('from')).toBe('Recourse <no-reply@localhost>');
    expect(headers.get('subject')).toBe('Your Recourse sign-in code');
    expect(headers.get('message-id')).toBe('<42@recourse>');
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(decodeQuotedPrintable(body)).toContain('482913');

    if (posix) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    // One line, and never the body (it carries the code).
    expect(logged).toEqual([{ obj: { to: 'alice@example.test', subject: 'Your Recourse sign-in code', file }, msg: expect.any(String) }]);
    expect(JSON.stringify(logged)).not.toContain('482913');
  });

  it('overwrites the earlier file when the same reference is written again', async () => {
    const clock = new FixedClock('2026-01-15T12:00:00Z');
    const transport = createFileTransport({ dir, from: 'no-reply@localhost', clock });
    await transport.send(email);
    clock.advance(60_000);
    await transport.send({ ...email, text: 'second attempt 777111', html: '<p>second attempt 777111</p>' });
    clock.advance(60_000);
    await transport.send({ ...email, reference: '421' }); // a reference that merely ends alike is another message

    const files = readdirSync(dir).sort();
    expect(files).toEqual(['2026-01-15T12-00-00-000Z-42.eml', '2026-01-15T12-02-00-000Z-421.eml']);
    expect(decodeQuotedPrintable(readFileSync(join(dir, files[0]!), 'utf8'))).toContain('777111');
  });

  it('leaves no temporary files behind', async () => {
    const transport = createFileTransport({ dir, from: 'no-reply@localhost' });
    await Promise.all(['a1', 'a2', 'a3'].map((reference) => transport.send({ ...email, reference })));
    expect(readdirSync(dir).filter((f) => !f.endsWith('.eml'))).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('refuses a reference that could escape the directory', async () => {
    const transport = createFileTransport({ dir, from: 'no-reply@localhost' });
    const result = await transport.send({ ...email, reference: '../../etc/evil' });
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('reports an unwritable directory as retryable', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, '');
    const transport = createFileTransport({ dir: join(blocker, 'outbox'), from: 'no-reply@localhost' });
    expect(await transport.send(email)).toMatchObject({ ok: false, retryable: true });
    expect(await transport.verify?.()).toBe(false);
  });
});
