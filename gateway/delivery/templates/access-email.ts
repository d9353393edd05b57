/** A password-reset link that an administrator sends to a user ("access email"). */
import { html, oneLine } from './escape.js';
import { greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface AccessEmailInput {
  name?: string | null;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlMinutes: number;
}

export function accessEmail({ name, link, ttlMinutes }: AccessEmailInput): RenderedEmail {
  const subject = `Set a new ${PRODUCT} password`;
  const intro = `An administrator sent you this link so you can set a new password for your ${PRODUCT} account.`;
  const expiry = `The link works once and expires in ${minutes(ttlMinutes)}.`;
  const notYou = 'If you did not ask for help signing in, do not use the link and tell your administrator.';
  return renderedEmail(
    subject,
    [greeting(name), '', intro, '', oneLine(link), '', expiry, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
${linkButton(link, 'Set a new password')}
<p>${expiry}</p>
<p>${notYou}</p>`,
  );
}
