/** The reset link someone asked for at `P/password/forgot` (recovery.self_service_password_reset). */
import { html, oneLine } from './escape.js';
import { emailLanguage, greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface PasswordForgotInput {
  name?: string | null;
  /** `…/password/reset?token=…`: the token is this message's only secret. */
  link: string;
  ttlMinutes: number;
  /** The recipient's language; English when absent. */
  language?: string | null;
}

export function passwordForgotEmail({ name, link, ttlMinutes, language }: PasswordForgotInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('Reset your {{product}} password', { product });
  const intro = t('Someone, hopefully you, asked to reset the password of your {{product}} account. Choose a new one here:', { product });
  const expiry = t('The link works once and expires in {{duration}}. You will still be asked for your second factor when you sign in.', { duration: minutes(ttlMinutes, t) });
  const notYou = t('If you did not ask, ignore this email: your password stays as it is.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', oneLine(link), '', expiry, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
${linkButton(link, t('Choose a new password'), t)}
<p>${expiry}</p>
<p>${notYou}</p>`,
    lang,
  );
}
