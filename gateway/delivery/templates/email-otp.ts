/** The one-time code a user asks for on the second-factor page (`POST P/2fa/email-otp/send`). */
import { html, oneLine } from './escape.js';
import { codeBlock, emailLanguage, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface EmailOtpInput {
  name?: string | null;
  code: string;
  ttlMinutes: number;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function emailOtpEmail({ name, code, ttlMinutes, language }: EmailOtpInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  // The code stays out of the subject: subjects show on lock screens and land in delivery logs.
  const subject = t('Your {{product}} sign-in code', { product });
  const intro = t('Your {{product}} sign-in code is:', { product });
  const expiry = t('It expires in {{count}} minutes and works once.', { count: ttlMinutes });
  const notYou = t('If you did not just try to sign in, someone may know your password: change it and tell your administrator.');
  const never = t('Never share this code. Nobody from {{product}} or your IT team will ask you for it.', { product });
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', `    ${oneLine(code)}`, '', expiry, '', notYou, '', never],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
${codeBlock(code)}
<p>${expiry}</p>
<p>${notYou}</p>
<p>${never}</p>`,
    lang,
  );
}
