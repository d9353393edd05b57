/** An account an administrator added: a one-time link to choose a password, then a second factor. */
import { html, oneLine } from './escape.js';
import { emailLanguage, greeting, linkButton, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface InvitationInput {
  name?: string | null;
  email: string;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlDays: number;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function invitationEmail({ name, email, link, ttlDays, language }: InvitationInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('Your {{product}} account is ready: choose a password', { product });
  const intro = t('An administrator created a {{product}} account for you ({{email}}). Choose your password with this link.', { product, email: oneLine(email) });
  const next = t('When you then sign in, you will be asked to set up a second factor: an authenticator app or a security key.');
  const expiry = t('The link works once and expires in {{count}} days; ask your administrator for a new one after that.', { count: ttlDays });
  const notYou = t('If you did not expect this, do not use the link and tell your administrator.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', oneLine(link), '', next, '', expiry, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
${linkButton(link, t('Choose your password'), t)}
<p>${next}</p>
<p>${expiry}</p>
<p>${notYou}</p>`,
    lang,
  );
}
