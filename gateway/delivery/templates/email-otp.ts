/** The one-time code a user asks for on the second-factor page (`POST P/2fa/email-otp/send`). */
import { html, oneLine } from './escape.js';
import { codeBlock, greeting, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface EmailOtpInput {
  name?: string | null;
  code: string;
  ttlMinutes: number;
}

export function emailOtpEmail({ name, code, ttlMinutes }: EmailOtpInput): RenderedEmail {
  // The code stays out of the subject: subjects show on lock screens and land in delivery logs.
  const subject = `Your ${PRODUCT} sign-in code`;
  const expiry = `It expires in ${minutes(ttlMinutes)} and works once.`;
  const notYou = 'If you did not just try to sign in, someone may know your password: change it and tell your administrator.';
  const never = `Never share this code. Nobody from ${PRODUCT} or your IT team will ask you for it.`;
  return renderedEmail(
    subject,
    [greeting(name), '', `Your ${PRODUCT} sign-in code is:`, '', `    ${oneLine(code)}`, '', expiry, '', notYou, '', never],
    html`<p>${greeting(name)}</p>
<p>Your ${PRODUCT} sign-in code is:</p>
${codeBlock(code)}
<p>${expiry}</p>
<p>${notYou}</p>
<p>${never}</p>`,
  );
}
