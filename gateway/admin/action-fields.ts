/**
 * What every administrator action carries (issue 7): Reason — required, one of the policy's
 * `recovery.reasons` — and optional Details and On Behalf Of, bounded and cleaned before they
 * reach the audit log and the dashboard.
 */

export const MAX_DETAILS = 2_000;
export const MAX_ON_BEHALF_OF = 200;
// Control characters other than the line break make audit rows and CSV exports unreadable.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

export interface ActionFieldsInput {
  reason?: unknown;
  details?: unknown;
  onBehalfOf?: unknown;
}

export interface ActionFields {
  reason: string;
  details: string | null;
  onBehalfOf: string | null;
}

export type FieldsCheck = { ok: true; fields: ActionFields } | { ok: false; field: 'reason' | 'details' | 'on_behalf_of' };

function optionalText(value: unknown, max: number, multiline: boolean): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return undefined;
  const text = (multiline ? value.replace(/\r\n?/g, '\n') : value.replace(/[\r\n]+/g, ' ')).replace(CONTROL, ' ').trim();
  if (text.length > max) return undefined;
  return text === '' ? null : text;
}

export function checkActionFields(reasons: readonly string[], input: ActionFieldsInput): FieldsCheck {
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (!reasons.includes(reason)) return { ok: false, field: 'reason' };
  const details = optionalText(input.details, MAX_DETAILS, true);
  if (details === undefined) return { ok: false, field: 'details' };
  const onBehalfOf = optionalText(input.onBehalfOf, MAX_ON_BEHALF_OF, false);
  if (onBehalfOf === undefined) return { ok: false, field: 'on_behalf_of' };
  return { ok: true, fields: { reason, details, onBehalfOf } };
}

/** The optional parts as audit-row details. */
export function fieldDetails(fields: ActionFields): Record<string, string> {
  return {
    ...(fields.details ? { details: fields.details } : {}),
    ...(fields.onBehalfOf ? { on_behalf_of: fields.onBehalfOf } : {}),
  };
}
