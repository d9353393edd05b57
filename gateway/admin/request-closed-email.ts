/** Tells the account holder that their assistance request was closed, with the reason the administrator chose. */
import { html } from '../delivery/templates/escape.js';
import { greeting, PRODUCT, renderedEmail, type RenderedEmail } from '../delivery/templates/layout.js';

export interface RequestClosedInput {
  name?: string | null;
  reference: string;
  reason: string;
}

export function requestClosedEmail({ name, reference, reason }: RequestClosedInput): RenderedEmail {
  const subject = `${PRODUCT}: your request ${reference} was closed`;
  const intro = `An administrator closed your request for help signing in (${reference}) without changing your account.`;
  const why = `Reason given: ${reason}`;
  const next = 'If you still cannot sign in, contact your administrator or submit a new request.';
  const notYou = 'If you did not ask for help, someone may have tried to take over your account: tell your administrator.';
  return renderedEmail(
    subject,
    [greeting(name), '', intro, why, '', next, '', notYou],
    html`<p>${greeting(name)}</p>
<p>${intro}</p>
<p>${why}</p>
<p>${next}</p>
<p>${notYou}</p>`,
  );
}
