/** Tells the account holder that their assistance request was closed, with the reason the administrator chose. */
import { html } from '../delivery/templates/escape.js';
import { emailLanguage, greeting, PRODUCT, renderedEmail, type RenderedEmail } from '../delivery/templates/layout.js';

export interface RequestClosedInput {
  name?: string | null;
  reference: string;
  reason: string;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function requestClosedEmail({ name, reference, reason, language }: RequestClosedInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const subject = t('{{product}}: your request {{reference}} was closed', { product: PRODUCT, reference });
  const intro = t('An administrator closed your request for help signing in ({{reference}}) without changing your account.', { reference });
  // The reason is the administrator's own words (a policy's list), shown as written.
  const why = t('Reason given: {{reason}}', { reason });
  const next = t('If you still cannot sign in, contact your administrator or submit a new request.');
  const notYou = t('If you did not ask for help, someone may have tried to take over your account: tell your administrator.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', intro, why, '', next, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${intro}</p>
<p>${why}</p>
<p>${next}</p>
<p>${notYou}</p>`,
    lang,
  );
}
