/** An administrator-issued recovery code (`XXXX-XXXX-XXXX`) for a user who lost their second factor. */
import { html, oneLine } from './escape.js';
import { codeBlock, emailLanguage, greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface RecoveryCodeInput {
  name?: string | null;
  code: string;
  ttlMinutes: number;
  /** `…/2fa/recovery-code` on the public URL: the page the code is typed into (no secret in it). */
  link: string;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function recoveryCodeEmail({ name, code, ttlMinutes, link, language }: RecoveryCodeInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('Your {{product}} recovery code', { product });
  const intro = t('An administrator issued you a recovery code for your {{product}} account:', { product });
  const how = t('Sign in with your password, then choose "Use a recovery code" on the second-factor page. Forgot your password too? Choose "Have a recovery code?" on the sign-in page instead: the code lets you choose a new password, and set up a new second factor if you lost yours.');
  const expiry = t('The code works once and expires in {{duration}}. You may be asked to set up a new second factor right after.', { duration: minutes(ttlMinutes, t) });
  const notYou = t('If you did not ask for help signing in, tell your administrator. Never share this code: nobody from {{product}} or your IT team will ask you for it.', { product });
  const enter = t('Enter the recovery code');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', `    ${oneLine(code)}`, '', `${enter}: ${oneLine(link)}`, '', how, '', expiry, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
${codeBlock(code)}
${linkButton(link, enter, t)}
<p>${how}</p>
<p>${expiry}</p>
<p>${notYou}</p>`,
    lang,
  );
}
