/** An account an administrator added: a one-time link to choose a password, then a second factor. */
import { html, oneLine } from './escape.js';
import { greeting, linkButton, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface InvitationInput {
  name?: string | null;
  email: string;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlDays: number;
}

export function invitationEmail({ name, email, link, ttlDays }: InvitationInput): RenderedEmail {
  const subject = `Your ${PRODUCT} account is ready: choose a password`;
  const intro = `An administrator created a ${PRODUCT} account for you (${oneLine(email)}). Choose your password with this link.`;
  const next = 'When you then sign in, you will be asked to set up a second factor: an authenticator app or a security key.';
  const expiry = `The link works once and expires in ${ttlDays === 1 ? '1 day' : `${ttlDays} days`}; ask your administrator for a new one after that.`;
  const notYou = 'If you did not expect this, do not use the link and tell your administrator.';
  return renderedEmail(
    subject,
    [greeting(name), '', intro, '', oneLine(link), '', next, '', expiry, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
${linkButton(link, 'Choose your password')}
<p>${next}</p>
<p>${expiry}</p>
<p>${notYou}</p>`,
  );
}
