/**
 * `P/admin/settings`: the factor and recovery switches of the policy (CONTRACT §8.4), each with the
 * file it comes from. The form carries the digest of the policy files it was drawn from, so a save
 * over an edit made on disk meanwhile is refused and drawn again with both versions.
 */
import { AdminShell, type AdminShellProps } from '../../components/admin-nav.js';
import { CsrfField, ErrorNote, NoticeNote } from '../../layout.js';
import { chosen, type SettingField, type SettingGroup, type SettingValue } from '../../../gateway/policy/settings.js';

export type SettingsPageProps = Omit<AdminShellProps, 'title' | 'section' | 'children'> & {
  groups: readonly SettingGroup[];
  /** What the form shows: the files' values, or what the administrator posted. */
  values: Record<string, SettingValue>;
  sources: Record<string, { file: string; line: number } | null>;
  targets: Record<string, string>;
  /** The compare-and-swap token; null when the files on disk do not load (saving is off). */
  digest: string | null;
  /** The files' values the token belongs to: a conflict keeps only what the administrator changed. */
  base: Record<string, SettingValue>;
  /** Why this administrator cannot save (null: they can). */
  readOnly: string | null;
  /** After a refused save because the files changed: their values now, for the fields that differ. */
  onDisk: Record<string, SettingValue> | null;
  /** Problems per key (`factors.backup_codes.count`), and those of no one field. */
  fieldErrors: Record<string, string[]>;
  error?: string | null;
  notice?: string | null;
};

const show = (value: SettingValue | undefined): string => (Array.isArray(value) ? value.join(', ') || '(none)' : String(value ?? ''));

function Source(props: { source: { file: string; line: number } | null; target: string }) {
  const { source, target } = props;
  return (
    <span class="muted source">
      {source ? <>from <span class="code">{source.file}:{source.line}</span></> : 'built-in default'}
      {source?.file === target ? null : <> · saved to <span class="code">{target}</span></>}
    </span>
  );
}

function Control(props: { field: SettingField; value: SettingValue | undefined; disabled: boolean }) {
  const { field, value, disabled } = props;
  const id = `setting-${field.key.replaceAll('.', '-')}`;
  switch (field.kind) {
    case 'switch':
      return (
        <label for={id}>
          {/* The marker tells "unticked" from "not on this form" (settings.ts postedSettings). */}
          <input type="hidden" name={field.key} value="off" />
          <input type="checkbox" id={id} name={field.key} value="on" checked={value === true} disabled={disabled} /> {field.label}
        </label>
      );
    case 'choices': {
      const ticked = chosen(field, value ?? []);
      return (
        <fieldset id={id}>
          <legend>{field.label}</legend>
          <input type="hidden" name={field.key} value="" />
          {(field.choices ?? []).map((choice) => (
            <label><input type="checkbox" name={field.key} value={choice.value} checked={ticked.has(choice.value)} disabled={disabled} /> {choice.label}</label>
          ))}
          {field.everyone && !disabled ? (
            <p>
              <button type="submit" class="secondary" name="_select" value={`select:${field.key}`}>Select all</button>{' '}
              <button type="submit" class="secondary" name="_select" value={`remove:${field.key}`}>Remove all</button>
            </p>
          ) : null}
        </fieldset>
      );
    }
    case 'lines':
      return <><label for={id}>{field.label}</label><textarea id={id} name={field.key} rows={4} disabled={disabled}>{Array.isArray(value) ? value.join('\n') : ''}</textarea></>;
    default:
      return <><label for={id}>{field.label}</label><input id={id} name={field.key} value={show(value)} inputmode={field.kind === 'number' ? 'numeric' : undefined} disabled={disabled} /></>;
  }
}

export function SettingsPage(props: SettingsPageProps) {
  const disabled = props.readOnly !== null || props.digest === null;
  return (
    <AdminShell {...props} title="Settings" section="settings">
      <h1>Settings</h1>
      <ErrorNote message={props.error} />
      <NoticeNote message={props.notice} />
      {props.readOnly ? <p class="aside" id="settings-read-only">{props.readOnly}</p> : null}
      <form method="post" action={`${props.prefix}/admin/settings`} id="settings">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="_digest" value={props.digest ?? ''} />
        <input type="hidden" name="_base" value={JSON.stringify(props.base)} />
        {/* First in the form, so Enter in a text field saves rather than pressing "Select all". */}
        {disabled ? null : <p><button type="submit">Save changes</button></p>}
        {props.groups.map((group) => (
          <section class="card" id={`settings-${group.id}`}>
            <h2>{group.title}</h2>
            {group.fields.map((field) => (
              <div class="setting" data-key={field.key}>
                <Control field={field} value={props.values[field.key]} disabled={disabled} />
                {field.hint ? <span class="muted"> {field.hint}</span> : null}
                <br /><Source source={props.sources[field.key] ?? null} target={props.targets[field.key] ?? ''} />
                {props.onDisk && show(props.onDisk[field.key]) !== show(props.values[field.key])
                  ? <p class="warning" data-on-disk={field.key}>Now on disk: <span class="code">{show(props.onDisk[field.key])}</span>; the form keeps yours.</p> : null}
                {(props.fieldErrors[field.key] ?? []).map((message) => <p class="error" data-error-for={field.key}>{field.key}: {message}</p>)}
              </div>
            ))}
          </section>
        ))}
        {disabled ? null : <p><button type="submit">Save changes</button></p>}
      </form>
    </AdminShell>
  );
}
