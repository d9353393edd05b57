/**
 * The policy keys the dashboard's Settings page edits (issue 28 item 1, CONTRACT §8.4): the factor
 * and recovery switches, each as the value an administrator would write in YAML. Pure: the page
 * reads them from a parsed policy and a posted form, and only keys whose value changed are written.
 */
import { formatDuration } from '../core/duration.js';
import { ROLES, USER_TYPES } from './fields.js';
import { ASSISTANCE_TYPES, type Policy } from './schema.js';

export type SettingValue = boolean | number | string | string[];

export type SettingKind = 'switch' | 'number' | 'duration' | 'choices' | 'lines';

export interface SettingField {
  /** The dotted key path, also the form field's name. */
  key: string;
  kind: SettingKind;
  label: string;
  hint?: string;
  /** For `choices`: the values offered, in the order they are written. */
  choices?: ReadonlyArray<{ value: string; label: string }>;
  /** For `choices`: every box ticked is written as `["*"]` (roles that take everyone). */
  everyone?: boolean;
}

export interface SettingGroup {
  id: string;
  title: string;
  fields: readonly SettingField[];
}

const EVERYONE = '*';
// Roles and user types share one list in the policy; `user` is both (CONTRACT §7).
const AUDIENCE = [...new Set<string>([...ROLES, ...USER_TYPES])].map((value) => ({
  value, label: value === 'user' ? 'user (role or type)' : value,
}));
const REQUEST_TYPES = ASSISTANCE_TYPES.map((value) => ({ value, label: value }));

export const SETTING_GROUPS: readonly SettingGroup[] = [
  { id: 'backup-codes', title: 'Backup codes', fields: [
    { key: 'factors.backup_codes.enabled', kind: 'switch', label: 'Backup codes', hint: 'Single-use codes given with a second factor.' },
    { key: 'factors.backup_codes.roles', kind: 'choices', label: 'Who may use them', choices: AUDIENCE, everyone: true },
    { key: 'factors.backup_codes.count', kind: 'number', label: 'Codes per set', hint: '1 to 100.' },
    { key: 'factors.backup_codes.low_threshold', kind: 'number', label: 'Running low at', hint: 'Unused codes left; less than the count.' },
  ] },
  { id: 'email-otp', title: 'Email one-time codes', fields: [
    { key: 'factors.email_otp.enabled', kind: 'switch', label: 'Email one-time codes', hint: 'A recovery channel, not a second factor.' },
    { key: 'factors.email_otp.roles', kind: 'choices', label: 'Who may use them', choices: AUDIENCE, everyone: true },
  ] },
  { id: 'factors', title: 'Second factors', fields: [
    { key: 'factors.totp.enabled', kind: 'switch', label: 'Authenticator app' },
    { key: 'factors.webauthn.enabled', kind: 'switch', label: 'Security keys and passkeys' },
  ] },
  { id: 'recovery', title: 'Recovery', fields: [
    { key: 'recovery.assistance.enabled', kind: 'switch', label: 'Assistance requests', hint: 'The "I can\'t sign in" form.' },
    { key: 'recovery.assistance.types', kind: 'choices', label: 'Request types offered', choices: REQUEST_TYPES },
    { key: 'recovery.assistance.stale_after', kind: 'duration', label: 'Flag pending requests after', hint: 'A duration such as 3d.' },
    { key: 'recovery.recovery_code.ttl', kind: 'duration', label: 'Recovery codes are valid for', hint: 'A duration such as 1h.' },
    { key: 'recovery.access_email.ttl', kind: 'duration', label: 'Access-email links are valid for', hint: 'A duration such as 1h.' },
    { key: 'recovery.self_service_password_reset', kind: 'switch', label: 'Self-service password reset', hint: '"Forgot your password?" mails a reset link; the second factor is still asked for.' },
    { key: 'recovery.reasons', kind: 'lines', label: 'Reasons for acting on a request', hint: 'One per line.' },
    { key: 'recovery.cancel_reasons', kind: 'lines', label: 'Reasons for cancelling a request', hint: 'One per line.' },
  ] },
];

export const SETTING_FIELDS: readonly SettingField[] = SETTING_GROUPS.flatMap((group) => group.fields);

export const keyPath = (key: string): string[] => key.split('.');

function valueAt(policy: Policy, key: string): unknown {
  let value: unknown = policy;
  for (const segment of keyPath(key)) value = (value as Record<string, unknown>)[segment];
  return value;
}

/** The policy's value for each field, as written in YAML (durations `1h`, lists of strings). */
export function currentSettings(policy: Policy): Record<string, SettingValue> {
  return Object.fromEntries(SETTING_FIELDS.map((field) => {
    const value = valueAt(policy, field.key);
    if (field.kind === 'duration') return [field.key, formatDuration(value as number)];
    if (Array.isArray(value)) return [field.key, [...value as string[]]];
    return [field.key, value as SettingValue];
  }));
}

/** Whether a `choices` field's boxes should all show ticked: `["*"]` means every one. */
export function chosen(field: SettingField, value: SettingValue): Set<string> {
  const values = Array.isArray(value) ? value : [];
  return new Set(field.everyone && values.includes(EVERYONE) ? (field.choices ?? []).map((c) => c.value) : values);
}

type Posted = Record<string, string | File | Array<string | File> | undefined>;

const strings = (value: Posted[string]): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value])
  .filter((item): item is string => typeof item === 'string');

/**
 * The values a posted form sets (hono's `parseBody({all: true})`). A field the form did not carry
 * is left out, so it is never changed: each switch and list posts a hidden marker before its
 * boxes, which is how an unticked box is told from an absent field.
 */
export function postedSettings(form: Posted): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const field of SETTING_FIELDS) {
    if (!(field.key in form)) continue;
    const posted = strings(form[field.key]);
    switch (field.kind) {
      case 'switch':
        out[field.key] = posted.includes('on');
        break;
      case 'number': {
        const text = (posted.at(-1) ?? '').trim();
        // Anything but a whole number goes to the validator as typed, which names the key.
        out[field.key] = /^-?\d{1,9}$/.test(text) ? Number(text) : text;
        break;
      }
      case 'duration':
        out[field.key] = (posted.at(-1) ?? '').trim();
        break;
      case 'choices': {
        const ticked = new Set(posted);
        const values = (field.choices ?? []).map((c) => c.value).filter((value) => ticked.has(value));
        out[field.key] = field.everyone && values.length === field.choices?.length ? [EVERYONE] : values;
        break;
      }
      case 'lines':
        out[field.key] = (posted.at(-1) ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
        break;
    }
  }
  return out;
}

export interface SettingChange {
  key: string;
  from: SettingValue;
  to: SettingValue;
}

const same = (a: SettingValue, b: SettingValue) => JSON.stringify(a) === JSON.stringify(b);

/** The posted values that differ from the current ones, in the page's order. */
export function changedSettings(current: Record<string, SettingValue>, posted: Record<string, SettingValue>): SettingChange[] {
  return SETTING_FIELDS.filter((field) => field.key in posted && !same(current[field.key]!, posted[field.key]!))
    .map((field) => ({ key: field.key, from: current[field.key]!, to: posted[field.key]! }));
}

/** "Select all" / "Remove all" on a roles list: the form again, with every box or none ticked. */
export function selectAll(values: Record<string, SettingValue>, command: string): Record<string, SettingValue> | null {
  const match = /^(select|remove):(.+)$/.exec(command);
  const field = match && SETTING_FIELDS.find((f) => f.key === match[2] && f.kind === 'choices');
  if (!match || !field) return null;
  return { ...values, [field.key]: match[1] === 'select' ? (field.everyone ? [EVERYONE] : (field.choices ?? []).map((c) => c.value)) : [] };
}
