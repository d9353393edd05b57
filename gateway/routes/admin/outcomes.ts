/** How an administrator action's failure reads: one status and one sentence per kind (HTML and API alike). */
import type { ActionFailure } from '../../admin/actions.js';
import { describeRefusal, type Refusal } from '../../admin/permissions.js';

export function failureStatus(failure: ActionFailure): 400 | 403 | 404 | 409 {
  switch (failure.reason) {
    case 'forbidden': return 403;
    case 'invalid': return 400;
    case 'not_found': return 404;
    case 'conflict': return 409;
  }
}

/** The API's `error.code` for a refusal: the two a caller can act on have codes of their own. */
export function refusalCode(refusal: Refusal): string {
  if (refusal === 'second_factor_required') return 'step_up_required';
  if (refusal === 'token_not_allowed') return 'token_not_allowed';
  return 'forbidden';
}

export function failureCode(failure: ActionFailure): string {
  switch (failure.reason) {
    case 'forbidden': return refusalCode(failure.refusal);
    case 'invalid': return 'invalid_request';
    case 'not_found': return 'not_found';
    case 'conflict': return failure.problem;
  }
}

const FIELD_MESSAGES: Readonly<Record<string, string>> = {
  reason: 'Choose a reason from the list.',
  details: 'Details are too long (2,000 characters at most).',
  on_behalf_of: 'On behalf of names no active user: pick one from the search, or type their email.',
  delivery: 'Choose email or SMS delivery.',
  confirm: 'Nothing was reset: confirm first (open “Reset 2FA…” and press “Yes, remove all second factors”).',
};

const CONFLICT_MESSAGES: Readonly<Record<string, string>> = {
  request_closed: 'This request is already closed.',
  no_account: 'The email entered matches no account, so nothing can be sent; cancel the request instead.',
  account_disabled: 'The account is disabled.',
  sms_unavailable: 'SMS is not available: the user has no phone number or SMS is not configured (sms.webhook_url).',
};

/** The sentence for a refused field, whether the domain or the API's schema refused it. */
export function fieldMessage(field: string): string {
  return FIELD_MESSAGES[field] ?? `The ${field} field is not valid.`;
}

export function failureMessage(failure: ActionFailure, what = 'object'): string {
  switch (failure.reason) {
    case 'forbidden': return describeRefusal(failure.refusal);
    case 'invalid':
      if (failure.field === 'on_behalf_of' && failure.candidates?.length) {
        return `On behalf of matches more than one user: type the email of one of ${failure.candidates.join(', ')}.`;
      }
      return fieldMessage(failure.field);
    case 'not_found': return `There is no such ${what}.`;
    case 'conflict': return CONFLICT_MESSAGES[failure.problem] ?? 'This cannot be done now.';
  }
}

/** Confirmations after an action (`?notice=` on the page the form came from). */
export const NOTICES: Readonly<Record<string, string>> = {
  code_sent: 'A recovery code is on its way to the user.',
  access_sent: 'A password-reset link is on its way to the user.',
  reset: 'The second factors were removed and the user was signed out everywhere.',
  cancelled: 'The request was cancelled and closed.',
  duplicates: 'The account\'s other open requests were cancelled as duplicates.',
  permissions: 'Permissions saved.',
  invited: 'The user was added; an invitation to choose a password is on its way to them.',
  reinvited: 'A new invitation is on its way; the earlier link no longer works.',
  disabled: 'The account is disabled and was signed out everywhere.',
  enabled: 'The account is enabled again.',
  sessions_ended: 'The user was signed out everywhere.',
  access: 'Role, type and groups saved.',
  unchanged: 'Nothing changed.',
};
