/**
 * "On behalf of" as a user picker (issue 28 item 7): a search box that lists matching users as one
 * types (htmx, `GET P/admin/user-picker?q=`) and puts the chosen one's email in the field
 * (`GET P/admin/user-picker/pick?id=`, which redraws this partial). Without JavaScript the box takes
 * an email or a name; the server then accepts exactly one matching user and lists the candidates
 * otherwise. Any dashboard form can use it: the field posts `on_behalf_of`.
 */

export interface PickedUser {
  id: string;
  name: string;
  email: string;
}

export interface UserPickerProps {
  /** `P/admin/user-picker`. */
  url: string;
  /** Element id, unique on the page (letters, digits and dashes). */
  id: string;
  /** The field's current text (an email once a user is picked). */
  value?: string;
  picked?: PickedUser | null;
  label?: string;
}

export const PICKER_ID = /^[a-z][a-z0-9-]{0,39}$/;

export function UserPicker(props: UserPickerProps) {
  const { id } = props;
  const query = `picker=${encodeURIComponent(id)}`;
  return (
    <div class="user-picker" id={id}>
      <label for={`${id}-input`}>{props.label ?? 'On behalf of'} <span class="muted">(optional: a user, found by name or email)</span></label>
      <input
        id={`${id}-input`} name="on_behalf_of" type="search" value={props.value ?? ''} maxlength={320} autocomplete="off"
        placeholder="Name or email" role="combobox" aria-controls={`${id}-results`} aria-expanded="false"
        hx-get={`${props.url}?${query}`} hx-trigger="input changed delay:250ms, search" hx-target={`#${id}-results`} hx-swap="innerHTML"
      />
      {props.picked ? <p class="aside" data-picked={props.picked.id}>Chosen: {props.picked.name || props.picked.email} ({props.picked.email})</p> : null}
      <div id={`${id}-results`} class="picker-results" aria-live="polite"></div>
    </div>
  );
}

/** The matches under the box: each a button that picks that user. */
export function UserPickerResults(props: { url: string; picker: string; q: string; users: readonly PickedUser[] }) {
  if (props.q.trim() === '') return <></>;
  if (props.users.length === 0) return <p class="aside">No user matches.</p>;
  return (
    <ul class="picker-list" role="listbox">
      {props.users.map((user) => (
        <li role="option">
          <button type="button" class="link" data-pick={user.id}
            hx-get={`${props.url}/pick?picker=${encodeURIComponent(props.picker)}&id=${user.id}`} hx-target={`#${props.picker}`} hx-swap="outerHTML">
            {user.name || user.email} <span class="muted">{user.email}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
