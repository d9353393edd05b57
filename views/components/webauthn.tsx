// The WebAuthn pieces of the enrol, challenge and account pages. The ceremonies need JavaScript
// (navigator.credentials); views/static/webauthn-ui.js wires every element marked data-webauthn,
// reading the prefix and CSRF token from data attributes (the CSP allows no inline script).
import { CsrfField } from '../layout.js';

export interface WebauthnSectionProps {
  prefix: string;
  csrfToken: string;
}

export interface WebauthnKeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const NAME_MAX = 64;

/** The browser bundle of @simplewebauthn/browser and the page glue; deferred, run once per page. */
function WebauthnScripts(props: { prefix: string }) {
  return (
    <>
      <script src={`${props.prefix}/static/webauthn.js`} defer></script>
      <script src={`${props.prefix}/static/webauthn-ui.js`} defer></script>
    </>
  );
}

/** Where the script reports progress and errors; screen readers announce changes. */
function StatusLine() {
  return <div data-webauthn-status aria-live="polite"></div>;
}

function NeedsJavaScript() {
  return (
    <noscript>
      <p class="warning">JavaScript is required for security keys and passkeys. Turn it on for this site, or use another method.</p>
    </noscript>
  );
}

export function WebauthnEnrollSection(props: WebauthnSectionProps) {
  return (
    <section class="card" id="webauthn" data-webauthn="register" data-prefix={props.prefix} data-csrf={props.csrfToken}>
      <h2>Security key or passkey</h2>
      <p>Use a hardware security key (such as a YubiKey), or a passkey kept by this device, your phone or your password manager.</p>
      <NeedsJavaScript />
      <form class="card" data-webauthn-form hidden>
        <label for="webauthn-name">Name for this key <span class="muted">(optional)</span></label>
        <input id="webauthn-name" name="name" maxlength={NAME_MAX} autocomplete="off" placeholder="e.g. Blue key on my keyring" />
        <button type="submit">Add security key or passkey</button>
      </form>
      <StatusLine />
      <WebauthnScripts prefix={props.prefix} />
    </section>
  );
}

export function WebauthnChallengeButton(props: WebauthnSectionProps) {
  return (
    <section class="card" id="webauthn" data-webauthn="authenticate" data-prefix={props.prefix} data-csrf={props.csrfToken}>
      <NeedsJavaScript />
      <form data-webauthn-form hidden>
        <button type="submit">Use your security key or passkey</button>
      </form>
      <StatusLine />
      <WebauthnScripts prefix={props.prefix} />
    </section>
  );
}

/** The user's keys with rename and remove forms; plain forms, no JavaScript needed. */
export function WebauthnKeyList(props: WebauthnSectionProps & { keys: WebauthnKeyView[]; timeZone?: string }) {
  const { prefix } = props;
  const timeZone = props.timeZone ?? 'UTC';
  const when = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium' });
  const at = (date: Date) => <time datetime={date.toISOString()} title={date.toISOString()}>{when.format(date)}</time>;
  return (
    <div id="security-keys">
      <h3>Security keys and passkeys</h3>
      {props.keys.length === 0 ? (
        <p class="muted">No security key yet.</p>
      ) : (
        <table>
          <thead><tr><th>Name</th><th>Added</th><th>Last used</th></tr></thead>
          {props.keys.map((key) => (
            <tbody>
              <tr>
                <td><strong>{key.name}</strong></td>
                <td>{at(key.createdAt)}</td>
                <td>{key.lastUsedAt ? at(key.lastUsedAt) : <span class="muted">Never</span>}</td>
              </tr>
              <tr>
                <td colspan={3}>
                  <form method="post" action={`${prefix}/account/webauthn/${key.id}/rename`} class="inline">
                    <CsrfField token={props.csrfToken} />
                    <input name="name" value={key.name} maxlength={NAME_MAX} required aria-label={`New name for ${key.name}`} />
                    <button type="submit" class="secondary">Rename</button>
                  </form>{' '}
                  <form method="post" action={`${prefix}/account/webauthn/${key.id}/remove`} class="inline" data-confirm={`Remove the security key “${key.name}”? You can no longer sign in with it.`}>
                    <CsrfField token={props.csrfToken} />
                    <button type="submit" class="danger" aria-label={`Remove ${key.name}`}>Remove</button>
                  </form>
                </td>
              </tr>
            </tbody>
          ))}
        </table>
      )}
      <p><a href={`${prefix}/enroll#webauthn`}>Add a security key or passkey</a></p>
      <WebauthnScripts prefix={prefix} />
    </div>
  );
}
