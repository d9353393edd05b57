/**
 * What recipients find in their mailbox: the `.eml` files a test gateway's file transport writes
 * to `mail.outbox_dir`. Tests read codes and links here, as a user would; the outbox table only
 * holds a sealed body while a message waits and none once it is sent.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq, type SQL } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import type { Storage } from '../../db/client.js';
import { outbox } from '../../db/schema/index.js';

export interface MailboxSource {
  storage: Storage;
  config: { mail: { outbox_dir: string } };
}

export interface DeliveredMail {
  id: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  userId: string | null;
  requestId: string | null;
}

/**
 * The delivered emails whose outbox rows match `where`, in delivery order (under a fixed clock,
 * ties in no particular order). Waits until at least `atLeast` match and none is still waiting.
 */
export async function deliveredEmails(
  gw: MailboxSource,
  where?: SQL,
  options: { atLeast?: number; timeoutMs?: number } = {},
): Promise<DeliveredMail[]> {
  const atLeast = options.atLeast ?? 1;
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  const filter = where ? and(eq(outbox.channel, 'email'), where) : eq(outbox.channel, 'email');
  for (;;) {
    const rows = await gw.storage.db.select().from(outbox).where(filter);
    if (rows.length >= atLeast && rows.every((row) => row.status !== 'pending')) {
      const sent = rows.filter((row) => row.status === 'email_sent');
      const files = await readdir(gw.config.mail.outbox_dir).catch(() => [] as string[]);
      const mails = await Promise.all(sent.map(async (row) => {
        const file = files.find((name) => name.endsWith(`-${row.id}.eml`));
        if (!file) throw new Error(`outbox row ${row.id} is marked sent but ${gw.config.mail.outbox_dir} has no .eml for it`);
        const parsed = await simpleParser(await readFile(path.join(gw.config.mail.outbox_dir, file)));
        return {
          file,
          mail: {
            id: row.id, kind: row.kind, to: row.recipient, subject: parsed.subject ?? '', text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '', userId: row.userId, requestId: row.requestId,
          },
        };
      }));
      // File names start with the delivery time.
      return mails.sort((a, b) => a.file.localeCompare(b.file)).map((m) => m.mail);
    }
    if (performance.now() > deadline) {
      throw new Error(`waited for ${atLeast} delivered email(s); the outbox has ${rows.map((r) => r.status).join(', ') || 'none'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one delivered email matching `where`; more than one is an error in the test. */
export async function deliveredEmail(gw: MailboxSource, where?: SQL): Promise<DeliveredMail> {
  const mails = await deliveredEmails(gw, where);
  if (mails.length !== 1) throw new Error(`expected one delivered email, found ${mails.length}`);
  return mails[0]!;
}
