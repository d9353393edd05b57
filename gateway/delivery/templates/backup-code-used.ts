/** Tells a user that one of their backup codes was just spent, and how many remain. */
import { html, oneLine } from './escape.js';
import { emailLanguage, formatWhen, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface BackupCodeUsedInput {
  name?: string | null;
  codesLeft: number;
  when: Date | string;
  ip?: string | null;
  location?: string | null;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

export function backupCodeUsedEmail(input: BackupCodeUsedInput): RenderedEmail {
  const { name, codesLeft } = input;
  const lang = emailLanguage(input.language);
  const { t } = lang;
  const product = PRODUCT;
  const subject = t('{{product}}: a backup code was used; {{count}} left', { product, count: codesLeft });
  const where = [input.ip, input.location].map(oneLine).filter(Boolean).join(', ') || t('an unknown address');
  const what = t('A backup code was used to sign in to your {{product}} account on {{when}} from {{where}}.', { product, when: formatWhen(input.when, lang.language), where });
  const remaining =
    codesLeft <= 0
      ? t('You have no backup codes left. Generate a new set now, or you may be locked out when you next lose your second factor.')
      : t('You have {{count}} unused backup codes left.', { count: codesLeft });
  const notYou = t('If this was not you, sign in now, regenerate your backup codes (which cancels all the old ones), change your password and tell your administrator.');
  return renderedEmail(
    subject,
    [greeting(name, t), '', what, '', remaining, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${what}</p>
<p>${remaining}</p>
<p><strong>${notYou}</strong></p>`,
    lang,
  );
}
