/**
 * The access email for a user whose password the organisation's directory owns and Recourse may
 * not change (`directory.ldap.password_reset: false`): no link, and where to go instead.
 */
import { html } from './escape.js';
import { greeting, PRODUCT, renderedEmail, type RenderedEmail } from './layout.js';

export function directoryPasswordEmail({ name }: { name?: string | null }): RenderedEmail {
  const subject = `About your ${PRODUCT} password`;
  const intro = `An administrator asked ${PRODUCT} to help you with your password.`;
  const owner = "Your password is kept by your organisation's directory, not by " + PRODUCT + ', so it cannot be reset from here.';
  const next = 'Ask your IT helpdesk to reset it in the directory; then sign in with the new password as usual.';
  const notYou = 'If you did not ask for help signing in, tell your administrator.';
  return renderedEmail(
    subject,
    [greeting(name), '', intro, '', owner, '', next, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
<p>${owner}</p>
<p>${next}</p>
<p>${notYou}</p>`,
  );
}
