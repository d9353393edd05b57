/** A password-reset link that an administrator sends to a user ("access email"). */
import { html, oneLine } from './escape.js';
import { emailLanguage, greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface AccessEmailInput {
  name?: string | null;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlMinutes: number;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function accessEmail({ name, link, ttlMinutes, language }: AccessEmailInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('Set a new {{product}} password', { product });
  const intro = t('An administrator sent you this link so you can set a new password for your {{product}} account.', { product });
  const expiry = t('The link works once and expires in {{duration}}.', { duration: minutes(ttlMinutes, t) });
  const notYou = t('If you did not ask for help signing in, do not use the link and tell your administrator.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', oneLine(link), '', expiry, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
${linkButton(link, t('Set a new password'), t)}
<p>${expiry}</p>
<p>${notYou}</p>`,
    lang,
  );
}
