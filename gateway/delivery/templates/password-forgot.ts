/** The reset link someone asked for at `P/password/forgot` (recovery.self_service_password_reset). */
import { html, oneLine } from './escape.js';
import { greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface PasswordForgotInput {
  name?: string | null;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlMinutes: number;
}

export function passwordForgotEmail({ name, link, ttlMinutes }: PasswordForgotInput): RenderedEmail {
  const subject = `Reset your ${PRODUCT} password`;
  const intro = `Someone, hopefully you, asked to reset the password of your ${PRODUCT} account. Choose a new one here:`;
  const expiry = `The link works once and expires in ${minutes(ttlMinutes)}. You will still be asked for your second factor when you sign in.`;
  const notYou = 'If you did not ask, ignore this email: your password stays as it is.';
  return renderedEmail(
    subject,
    [greeting(name), '', intro, '', oneLine(link), '', expiry, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
${linkButton(link, 'Choose a new password')}
<p>${expiry}</p>
<p>${notYou}</p>`,
  );
}
