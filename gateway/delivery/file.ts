/**
 * Email written as `.eml` files to `mail.outbox_dir` when no SMTP relay is configured, so a fresh
 * install (and a developer) can read every message the gateway would have sent.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { systemClock, type Clock } from '../core/clock.js';
import { checkEmail, failure, mailFields, type EmailTransport, type OutgoingEmail } from './message.js';

export interface FileTransportLogger {
  info(obj: object, msg: string): void;
}

export interface FileTransportOptions {
  dir: string;
  from: string;
  logger?: FileTransportLogger;
  clock?: Clock;
}

// `2026-01-15T12-00-00-000Z-<reference>.eml`: an ISO time with `:` and `.` replaced, because `:`
// is not allowed in Windows file names and confuses scp.
const FILE_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-(.+)\.eml$/;

export function createFileTransport(options: FileTransportOptions): EmailTransport {
  const { dir, from, logger } = options;
  const clock = options.clock ?? systemClock;

  async function fileNameFor(reference: string): Promise<string> {
    // A resend of the same outbox row replaces its earlier file instead of adding a second one.
    const existing = (await readdir(dir)).find((name) => FILE_NAME.exec(name)?.[1] === reference);
    return existing ?? `${clock.now().toISOString().replace(/[:.]/g, '-')}-${reference}.eml`;
  }

  async function write(m: OutgoingEmail): Promise<string> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const raw = await new MailComposer({ ...mailFields(m, from), date: clock.now() }).compile().build();
    const file = join(dir, await fileNameFor(m.reference));
    // Temp file + rename: a crash leaves either the old file or the new one, never half of one.
    // The leading dot keeps readers that glob `*.eml` from seeing it.
    const temp = join(dir, `.${m.reference}.${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(raw);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return file;
  }

  return {
    async send(m) {
      const problem = checkEmail(m);
      if (problem) return failure(false, problem);
      try {
        const file = await write(m);
        // Never the body: it may carry a sign-in code or a reset link.
        logger?.info({ to: m.to, subject: m.subject, file }, 'email written to outbox directory');
        return { ok: true, channel: 'email', detail: file };
      } catch (err) {
        // A full disk or a permission problem is the host's, not the message's.
        return failure(true, err instanceof Error ? err.message : String(err));
      }
    },
    async verify() {
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await access(dir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    close() {},
  };
}
