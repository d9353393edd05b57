/**
 * The confirmation step of a queue row's action (issue 28 item 3): htmx swaps it into the row's
 * Actions cell; without JavaScript it is a page of its own (views/pages/admin/request-confirm.tsx).
 * Choosing the reason and confirming are the second and third clicks of "resolve from the queue".
 */
import { CsrfField } from '../../layout.js';
import { ReasonChoice } from './action-forms.js';

export interface QueueConfirmProps {
  prefix: string;
  csrfToken: string;
  reference: string;
  action: 'generate-code' | 'cancel';
  reasons: readonly string[];
  /** Generate code: where it goes. */
  to?: { email: string; sms: boolean };
  /** Cancel: whether the user will be emailed. */
  emailLine?: string;
}

export function QueueConfirm(props: QueueConfirmProps) {
  const { prefix, reference } = props;
  const generate = props.action === 'generate-code';
  return (
    <form method="post" action={`${prefix}/admin/requests/${reference}/${props.action}`} class="confirm" id={`confirm-${reference}`}>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="from" value="queue" />
      <ReasonChoice id={`confirm-${reference}-reason`} reasons={props.reasons} legend={generate ? 'Reason' : 'Why cancel'} />
      {generate && props.to ? (
        <fieldset>
          <legend>Send a single-use recovery code to the user by</legend>
          <label><input type="radio" name="delivery" value="email" checked /> email ({props.to.email})</label>
          {props.to.sms ? <label><input type="radio" name="delivery" value="sms" /> SMS to the registered phone</label> : null}
        </fieldset>
      ) : <p class="aside">{props.emailLine}</p>}
      <p>
        <button type="submit" class={generate ? undefined : 'danger'}>{generate ? 'Generate and send code' : 'Cancel request'}</button>{' '}
        <a href={`${prefix}/admin/requests`}>Never mind</a>
      </p>
    </form>
  );
}
