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
import { startProxiedTestGateway, type ProxiedTestGateway, type TestGateway } from './gateway.js';
import { deliveredEmail } from './mailbox.js';
import { VICTIM } from './race.js';

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

/**
 * The gateway every email-code attack runs against: email codes on, two factors required, the
 * victim added, client addresses from a trusted X-Forwarded-For, limits in Redis when the run has
 * one. `policy` adds the limits under attack (max_attempts, second_factor, email_otp_send).
 */
export async function startEmailCodeGateway(policy: { max_attempts?: number; rate_limits: Record<string, unknown> }): Promise<{ fixture: ProxiedTestGateway; userId: string }> {
  const fixture = await startProxiedTestGateway({
    policy: {
      access: { default: 'two_factor' },
      factors: { email_otp: { enabled: true, ...(policy.max_attempts === undefined ? {} : { max_attempts: policy.max_attempts }) } },
      rate_limits: policy.rate_limits,
    },
    config: { server: { trust_proxy: ['127.0.0.1/32'] }, redis: { url: process.env.REDIS_URL ?? '' } },
  });
  return { fixture, userId: await fixture.gw.addUser(VICTIM) };
}
