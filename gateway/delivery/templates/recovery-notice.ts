/** Tells a user that an administrator acted on their account, so an unwanted action does not go unseen. */
import { html } from './escape.js';
import { formatWhen, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

const ACTIONS = {
  second_factor_reset: {
    subject: 'your two-factor sign-in was reset',
    text: 'An administrator reset the second factors (authenticator apps, security keys and backup codes) of your account. You will be asked to set up a new one when you next sign in.',
  },
  password_reset: {
    subject: 'your password was changed',
    text: 'The password of your account was changed through a reset link sent by an administrator.',
  },
  recovery_code_sent: {
    subject: 'a recovery code was issued',
    text: 'An administrator issued a recovery code that lets someone sign in to your account without your second factor.',
  },
  access_email_sent: {
    subject: 'a password reset link was sent',
    text: 'An administrator sent a link that lets you set a new password for your account.',
  },
  sessions_revoked: {
    subject: 'you were signed out everywhere',
    text: 'An administrator signed your account out of every device and browser.',
  },
} as const;

export type RecoveryAction = keyof typeof ACTIONS;

export interface RecoveryNoticeInput {
  name?: string | null;
  /** An unknown action gets a generic notice; its raw name is never shown to the user. */
  action: RecoveryAction | (string & {});
  when: Date | string;
}

const GENERIC = {
  subject: 'an administrator changed your account',
  text: 'An administrator changed the sign-in settings of your account.',
};

export function recoveryNoticeEmail({ name, action, when }: RecoveryNoticeInput): RenderedEmail {
  const known = Object.hasOwn(ACTIONS, action) ? ACTIONS[action as RecoveryAction] : GENERIC;
  const subject = `${PRODUCT}: ${known.subject}`;
  const at = `This happened on ${formatWhen(when)}.`;
  const notYou = 'If you did not ask your administrator for this, contact them at once through a channel you trust (not by replying to this email).';
  return renderedEmail(
    subject,
    [greeting(name), '', known.text, at, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${known.text} ${at}</p>
<p><strong>${notYou}</strong></p>`,
  );
}
