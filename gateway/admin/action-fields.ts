/**
 * What every administrator action carries (issue 7): Reason — required, one of the policy's
 * `recovery.reasons` (`recovery.cancel_reasons` for a cancel) — and optional Details and On Behalf
 * Of, bounded and cleaned before they reach the audit log and the dashboard. On Behalf Of names a
 * user (on-behalf-of.ts resolves it).
 */

export const MAX_DETAILS = 2_000;
// Room for any email address (RFC 5321 caps a path at 256 octets) or a name typed to find one.
export const MAX_ON_BEHALF_OF = 320;
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
  /** As given; once resolved (on-behalf-of.ts), the user's email. */
  onBehalfOf: string | null;
  /** The user it names, once resolved. */
  onBehalfOfId?: string | null;
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
    ...(fields.onBehalfOfId ? { on_behalf_of_id: fields.onBehalfOfId } : {}),
  };
}
