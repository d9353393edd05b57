/** Tells a user that an administrator acted on their account, so an unwanted action does not go unseen. */
import { translatable } from '../../i18n/i18n.js';
import { html } from './escape.js';
import { emailLanguage, formatWhen, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

const ACTIONS = {
  second_factor_reset: {
    subject: translatable('your two-factor sign-in was reset'),
    text: translatable('An administrator reset the second factors (authenticator apps, security keys and backup codes) of your account. You will be asked to set up a new one when you next sign in.'),
  },
  password_reset: {
    subject: translatable('your password was changed'),
    text: translatable('The password of your account was changed through a reset link sent by an administrator.'),
  },
  recovery_code_sent: {
    subject: translatable('a recovery code was issued'),
    text: translatable('An administrator issued a recovery code that lets someone sign in to your account without your second factor.'),
  },
  access_email_sent: {
    subject: translatable('a password reset link was sent'),
    text: translatable('An administrator sent a link that lets you set a new password for your account.'),
  },
  sessions_revoked: {
    subject: translatable('you were signed out everywhere'),
    text: translatable('An administrator signed your account out of every device and browser.'),
  },
} as const;

export type RecoveryAction = keyof typeof ACTIONS;

export interface RecoveryNoticeInput {
  name?: string | null;
  /** An unknown action gets a generic notice; its raw name is never shown to the user. */
  action: RecoveryAction | (string & {});
  when: Date | string;
  /** The recipient's language (CONTRACT §8.4); English when absent. */
  language?: string | null;
}

const GENERIC = {
  subject: translatable('an administrator changed your account'),
  text: translatable('An administrator changed the sign-in settings of your account.'),
};

export function recoveryNoticeEmail({ name, action, when, language }: RecoveryNoticeInput): RenderedEmail {
  const lang = emailLanguage(language);
  const { t } = lang;
  const known = Object.hasOwn(ACTIONS, action) ? ACTIONS[action as RecoveryAction] : GENERIC;
  const text = t(known.text);
  const subject = `${PRODUCT}: ${t(known.subject)}`;
  const at = t('This happened on {{when}}.', { when: formatWhen(when, lang.language) });
  const notYou = t('If you did not ask your administrator for this, contact them at once through a channel you trust (not by replying to this email).');
  return renderedEmail(
    subject,
    [greeting(name, t), '', text, at, '', notYou],
    html`<p>${greeting(name, t)}</p>
<p>${text} ${at}</p>
<p><strong>${notYou}</strong></p>`,
    lang,
  );
}
