/**
 * The forms of the administrator actions. Every action takes On Behalf Of (optional), Reason
 * (required, from the policy's list) and Details (optional); the server checks all of it again.
 */
import type { Child } from 'hono/jsx';
import { CsrfField } from '../../layout.js';

export interface ActionFormProps {
  action: string;
  csrfToken: string;
  reasons: readonly string[];
  title: string;
  button: string;
  /** Why the action is not available to this administrator; the form is then not shown. */
  unavailable?: string | null;
  danger?: boolean;
  id: string;
  children?: Child;
}

export function ActionForm(props: ActionFormProps) {
  const fieldId = (name: string) => `${props.id}-${name}`;
  // A closed <details> per action keeps the page short; it opens without JavaScript.
  return (
    <details class="card action" id={props.id}>
      <summary><strong>{props.title}</strong>{props.unavailable ? <span class="muted"> — not available to you</span> : null}</summary>
      {props.unavailable ? <p class="aside">{props.unavailable}</p> : (
        <form method="post" action={props.action} class="action-form">
          <CsrfField token={props.csrfToken} />
          {props.children}
          <label for={fieldId('reason')}>Reason</label>
          <select id={fieldId('reason')} name="reason" required>
            <option value="">Choose a reason…</option>
            {props.reasons.map((reason) => <option value={reason}>{reason}</option>)}
          </select>
          <label for={fieldId('on-behalf-of')}>On behalf of <span class="muted">(optional)</span></label>
          <input id={fieldId('on-behalf-of')} name="on_behalf_of" maxlength={200} autocomplete="off" />
          <label for={fieldId('details')}>Details <span class="muted">(optional)</span></label>
          <textarea id={fieldId('details')} name="details" rows={2} maxlength={2000}></textarea>
          <p><button type="submit" class={props.danger ? 'danger' : undefined}>{props.button}</button></p>
        </form>
      )}
    </details>
  );
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
}

export function AccountActions(props: AccountActionsProps) {
  const common = { csrfToken: props.csrfToken, reasons: props.reasons };
  return (
    <div class="actions">
      {props.onRequest ? (
        <ActionForm {...common} id="generate-code" action={`${props.base}/generate-code`} title="Generate code" button="Generate and send code" unavailable={props.unavailable.issue}>
          <p class="aside">A single-use recovery code (XXXX-XXXX-XXXX), sent to the user — never shown to you.</p>
          <label for="generate-code-delivery">Deliver by</label>
          <select id="generate-code-delivery" name="delivery">
            <option value="email">Email to the registered address</option>
            {props.sms ? <option value="sms">SMS to the registered phone</option> : null}
          </select>
        </ActionForm>
      ) : null}
      <ActionForm {...common} id="send-recovery-code" action={`${props.base}/send-recovery-code`} title="Send recovery code email" button="Email a recovery code" unavailable={props.unavailable.issue} />
      <ActionForm {...common} id="send-access-email" action={`${props.base}/send-access-email`} title="Send access email" button="Email a password-reset link" unavailable={props.unavailable.access} />
      <ActionForm {...common} id="reset-2fa" action={`${props.base}/reset-2fa`} title="Reset 2FA" button="Remove all second factors" danger unavailable={props.unavailable.reset}>
        <p class="aside">Removes the authenticator apps, security keys and backup codes and signs the user out everywhere.</p>
      </ActionForm>
    </div>
  );
}
