/**
 * A password-only session that has asked for an email code, and the code as the mailbox shows it:
 * the start of every attack on `POST P/2fa/email-otp`. The sign-in and the send come from `from`
 * (a trusted X-Forwarded-For of the run's own), since the send is rate-limited per address too and
 * counts in Redis outlive a run.
 */
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { outbox } from '../../db/schema/index.js';
import { TestClient } from './client.js';
import type { TestGateway } from './gateway.js';
import { deliveredEmail } from './mailbox.js';

const P = '/.recourse';

export async function sessionWithEmailCode(gw: TestGateway, account: { email: string; password: string }, from: Record<string, string>): Promise<{ client: TestClient; code: string }> {
  const client = new TestClient(gw.url);
  await client.page(`${P}/login`, from);
  expect((await client.postForm(`${P}/login`, { email: account.email, password: account.password, rd: '/' }, from)).status).toBe(303);
  expect((await client.page(`${P}/2fa/email-otp`, from)).res.status).toBe(200);
  expect((await client.postForm(`${P}/2fa/email-otp/send`, { rd: '/' }, from)).status).toBe(200);
  const mail = await deliveredEmail(gw, eq(outbox.recipient, account.email));
  const code = /code is:\s+(\d{6})\s/.exec(mail.text)?.[1];
  if (!code) throw new Error(`no six-digit code in the email: ${mail.text}`);
  return { client, code };
}

/** Six-digit codes, all different, none of them `right`. */
export function wrongEmailCodes(count: number, right: string): string[] {
  const codes: string[] = [];
  for (let n = 0; codes.length < count; n++) {
    const candidate = String(n).padStart(6, '0');
    if (candidate !== right) codes.push(candidate);
  }
  return codes;
}
