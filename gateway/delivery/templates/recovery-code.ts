/** An administrator-issued recovery code (`XXXX-XXXX-XXXX`) for a user who lost their second factor. */
import { html, oneLine } from './escape.js';
import { codeBlock, greeting, linkButton, minutes, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export interface RecoveryCodeInput {
  name?: string | null;
  code: string;
  ttlMinutes: number;
  /** `…/2fa/recovery-code` on the public URL: the page the code is typed into (no secret in it). */
  link: string;
}

export function recoveryCodeEmail({ name, code, ttlMinutes, link }: RecoveryCodeInput): RenderedEmail {
  const subject = `Your ${PRODUCT} recovery code`;
  const intro = `An administrator issued you a recovery code for your ${PRODUCT} account:`;
  const how = 'Sign in with your password, then choose "Use a recovery code" on the second-factor page. Forgot your password too? Choose "Have a recovery code?" on the sign-in page instead: the code lets you choose a new password, and set up a new second factor if you lost yours.';
  const expiry = `The code works once and expires in ${minutes(ttlMinutes)}. You may be asked to set up a new second factor right after.`;
  const notYou = `If you did not ask for help signing in, tell your administrator. Never share this code: nobody from ${PRODUCT} or your IT team will ask you for it.`;
  return renderedEmail(
    subject,
    [greeting(name), '', intro, '', `    ${oneLine(code)}`, '', `Enter it here: ${oneLine(link)}`, '', how, '', expiry, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
${codeBlock(code)}
${linkButton(link, 'Enter the recovery code')}
<p>${how}</p>
<p>${expiry}</p>
<p>${notYou}</p>`,
  );
}
