/** Tells a user that one of their backup codes was just spent, and how many remain. */
import { html, oneLine } from './escape.js';
import { formatWhen, greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface BackupCodeUsedInput {
  name?: string | null;
  codesLeft: number;
  when: Date | string;
  ip?: string | null;
  location?: string | null;
}

export function backupCodeUsedEmail(input: BackupCodeUsedInput): RenderedEmail {
  const { name, codesLeft } = input;
  const left = codesLeft === 1 ? '1 left' : `${codesLeft} left`;
  const subject = `${PRODUCT}: a backup code was used; ${left}`;
  const where = [input.ip, input.location].map(oneLine).filter(Boolean).join(', ') || 'an unknown address';
  const what = `A backup code was used to sign in to your ${PRODUCT} account on ${formatWhen(input.when)} from ${where}.`;
  const remaining =
    codesLeft <= 0
      ? 'You have no backup codes left. Generate a new set now, or you may be locked out when you next lose your second factor.'
      : `You have ${codesLeft === 1 ? '1 unused backup code' : `${codesLeft} unused backup codes`} left.`;
  const notYou =
    'If this was not you, sign in now, regenerate your backup codes (which cancels all the old ones), change your password and tell your administrator.';
  return renderedEmail(
    subject,
    [greeting(name), '', what, '', remaining, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${what}</p>
<p>${remaining}</p>
<p><strong>${notYou}</strong></p>`,
  );
}
