/**
 * The access email for a user whose password the organisation's directory owns and Recourse may
 * not change (`directory.ldap.password_reset: false`): no link, and where to go instead.
 */
import { html } from './escape.js';
import { emailLanguage, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export function directoryPasswordEmail({ name, language }: { name?: string | null; language?: string | null }): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('About your {{product}} password', { product });
  const intro = t('An administrator asked {{product}} to help you with your password.', { product });
  const owner = t("Your password is kept by your organisation's directory, not by {{product}}, so it cannot be reset from here.", { product });
  const next = t('Ask your IT helpdesk to reset it in the directory; then sign in with the new password as usual.');
  const notYou = t('If you did not ask for help signing in, tell your administrator.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, '', owner, '', next, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
<p>${owner}</p>
<p>${next}</p>
<p>${notYou}</p>`,
    lang,
  );
}
