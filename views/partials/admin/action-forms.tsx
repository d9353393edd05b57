/**
 * The forms of the administrator actions (issue 7, reworked by issue 28 item 3). The account
 * actions share one form: the reason is chosen once (from the policy's `recovery.reasons`), with
 * On Behalf Of (a user picker) and Details, and each action is a button of its own; Reset 2FA asks
 * for confirmation first. Cancel has its own reasons and says whether the user will be emailed.
 * Everything works without JavaScript; the server checks all of it again.
 */
import { CsrfField } from '../../layout.js';
import { UserPicker } from './user-picker.js';

export function ReasonChoice(props: { id: string; reasons: readonly string[]; legend: string; preselect?: string | null }) {
  return (
    <fieldset class="reasons" id={props.id}>
      <legend>{props.legend}</legend>
      {props.reasons.map((reason, i) => (
        <label><input type="radio" name="reason" value={reason} required={i === 0} checked={reason === props.preselect} /> {reason}</label>
      ))}
    </fieldset>
  );
}

/** Implicit submission (Enter in a text box) presses the first submit button: a disabled one does nothing (HTML §4.10.21.2). */
function NoImplicitSubmit() {
  return <button type="submit" disabled hidden aria-hidden="true" tabindex={-1}>Choose an action</button>;
}

export interface AccountActionsProps {
  /** `P/admin/requests/AR-…` or `P/admin/users/<id>`: the actions are posted below it. */
  base: string;
  csrfToken: string;
  reasons: readonly string[];
  /** Offer SMS delivery (the user has a phone and sms.webhook_url is set). */
  sms: boolean;
  /** Per action: null when available, else why not. */
  unavailable: { issue: string | null; access: string | null; reset: string | null };
  /** On a request, the code is generated with a choice of channel; on a user, it is emailed. */
  onRequest: boolean;
  /** `P/admin/user-picker` (default: derived from `base`). */
  pickerUrl?: string;
  /** What was posted, when the form comes back with an error. */
  posted?: { reason?: string; details?: string; onBehalfOf?: string } | null;
}

function Unavailable(props: { why: string }) {
  return <p class="aside">Not available to you: {props.why}</p>;
}

export function AccountActions(props: AccountActionsProps) {
  const { base, unavailable } = props;
  const pickerUrl = props.pickerUrl ?? `${base.slice(0, base.indexOf('/admin/'))}/admin/user-picker`;
  const codePath = props.onRequest ? 'generate-code' : 'send-recovery-code';
  return (
    <form method="post" action={`${base}/${codePath}`} class="card action-form" id="resolve">
      <NoImplicitSubmit />
      <CsrfField token={props.csrfToken} />
      <ReasonChoice id="resolve-reason" reasons={props.reasons} legend="Reason (chosen once, for whichever action you take)" preselect={props.posted?.reason} />
      <UserPicker url={pickerUrl} id="resolve-on-behalf-of" value={props.posted?.onBehalfOf ?? ''} />
      <label for="resolve-details">Details <span class="muted">(optional)</span></label>
      <textarea id="resolve-details" name="details" rows={2} maxlength={2000}>{props.posted?.details ?? ''}</textarea>
      <div class="actions">
        <section class="action" id="recovery-code">
          <h3>Recovery code</h3>
          {unavailable.issue ? <Unavailable why={unavailable.issue} /> : <>
            <p class="aside">A single-use code (XXXX-XXXX-XXXX) for the user only — never shown to you. It lets them sign in and set up a new second factor, or choose a new password.</p>
            {props.onRequest ? (
              <fieldset id="recovery-code-delivery">
                <legend>Deliver by</legend>
                <label><input type="radio" name="delivery" value="email" checked /> Email to the registered address</label>
                {props.sms ? <label><input type="radio" name="delivery" value="sms" /> SMS to the registered phone</label> : null}
              </fieldset>
            ) : null}
            <button type="submit" formaction={`${base}/${codePath}`}>Send recovery code</button>
          </>}
        </section>
        <section class="action" id="access-email">
          <h3>Access email</h3>
          {unavailable.access ? <Unavailable why={unavailable.access} /> : <>
            <p class="aside">A single-use link to the registered address that sets a new password.</p>
            <button type="submit" class="secondary" formaction={`${base}/send-access-email`}>Email a password-reset link</button>
          </>}
        </section>
        <section class="action" id="reset-2fa">
          <h3>Reset 2FA</h3>
          {unavailable.reset ? <Unavailable why={unavailable.reset} /> : (
            // Opening the disclosure is the confirmation step; it needs no JavaScript.
            <details>
              <summary>Reset 2FA…</summary>
              <p class="warning">This removes every authenticator app, security key and backup code of the account and signs it out everywhere. The user then sets up a new second factor at their next sign-in.</p>
              <button type="submit" class="danger" formaction={`${base}/reset-2fa`} name="confirm" value="yes">Yes, remove all second factors</button>
            </details>
          )}
        </section>
      </div>
    </form>
  );
}

/** Who hears of a cancel: the registered address of an active account, nobody else (SECURITY A3). */
export function cancelEmailLine(account: { email: string; active: boolean } | null): string {
  if (!account) return 'No one will be emailed: the email entered matches no account.';
  if (!account.active) return 'No one will be emailed: the account is disabled.';
  return `The user will be emailed at ${account.email} that the request was closed, with the reason.`;
}

export function CancelForm(props: { action: string; csrfToken: string; reasons: readonly string[]; emailLine: string; unavailable: string | null; from?: string }) {
  if (props.unavailable) return <section class="card" id="cancel"><h3>Cancel</h3><Unavailable why={props.unavailable} /></section>;
  return (
    <form method="post" action={props.action} class="card action-form" id="cancel">
      <h3>Cancel</h3>
      <CsrfField token={props.csrfToken} />
      {props.from ? <input type="hidden" name="from" value={props.from} /> : null}
      <ReasonChoice id="cancel-reason" reasons={props.reasons} legend="Why" />
      <p class="aside" id="cancel-email">{props.emailLine}</p>
      <p><button type="submit" class="danger">Cancel request</button></p>
    </form>
  );
}

/** The account's other open requests, offered for cancellation as duplicates (issue 28 item 4). */
export function DuplicatesForm(props: { action: string; csrfToken: string; reasons: readonly string[]; count: number }) {
  const duplicate = props.reasons.find((reason) => /duplicate/i.test(reason)) ?? null;
  return (
    <form method="post" action={props.action} class="card action-form" id="cancel-duplicates">
      <CsrfField token={props.csrfToken} />
      <ReasonChoice id="duplicates-reason" reasons={props.reasons} legend="Why" preselect={duplicate} />
      <p class="aside">The user is not emailed about these; this request answers them.</p>
      <p><button type="submit" class="secondary">Cancel the {props.count === 1 ? 'other request' : `${props.count} other requests`} as duplicates</button></p>
    </form>
  );
}
