// The WebAuthn pieces of the enrol, challenge and account pages. The ceremonies need JavaScript
// (navigator.credentials); views/static/webauthn-ui.js wires every element marked data-webauthn,
// reading the prefix and CSRF token from data attributes (the CSP allows no inline script).
import { formatWhen, t } from '../i18n.js';
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

/** What webauthn-ui.js says, in the page language (data-messages on the section). */
function scriptMessages(): string {
  return JSON.stringify({
    unsupported: t('This browser cannot use security keys or passkeys. Try another browser, or use another method.'),
    cancelled: t('The request was cancelled or timed out. Try again.'),
    registered: t('This security key is already registered to your account.'),
    network: t('Could not reach the server. Check your connection and try again.'),
    expired: t('This page has expired. Reload it and try again.'),
    failed: t('That did not work. Try again.'),
    checking: t('Checking the key…'),
    follow: t('Follow the instructions of your browser or security key…'),
    done: t('Done. Taking you on…'),
  });
}

/** Where the script reports progress and errors; screen readers announce changes. */
function StatusLine() {
  return <div data-webauthn-status aria-live="polite"></div>;
}

function NeedsJavaScript() {
  return (
    <noscript>
      <p class="warning">{t('JavaScript is required for security keys and passkeys. Turn it on for this site, or use another method.')}</p>
    </noscript>
  );
}

export function WebauthnEnrollSection(props: WebauthnSectionProps) {
  return (
    <section class="card" id="webauthn" data-webauthn="register" data-prefix={props.prefix} data-csrf={props.csrfToken} data-messages={scriptMessages()}>
      <h2>{t('Security key or passkey')}</h2>
      <p>{t('Use a hardware security key (such as a YubiKey), or a passkey kept by this device, your phone or your password manager.')}</p>
      <NeedsJavaScript />
      <form class="card" data-webauthn-form hidden>
        <label for="webauthn-name">{t('Name for this key')} <span class="muted">{t('(optional)')}</span></label>
        <input id="webauthn-name" name="name" maxlength={NAME_MAX} autocomplete="off" placeholder={t('e.g. Blue key on my keyring')} />
        <button type="submit">{t('Add security key or passkey')}</button>
      </form>
      <StatusLine />
      <WebauthnScripts prefix={props.prefix} />
    </section>
  );
}

export function WebauthnChallengeButton(props: WebauthnSectionProps) {
  return (
    <section class="card" id="webauthn" data-webauthn="authenticate" data-prefix={props.prefix} data-csrf={props.csrfToken} data-messages={scriptMessages()}>
      <NeedsJavaScript />
      <form data-webauthn-form hidden>
        <button type="submit">{t('Use your security key or passkey')}</button>
      </form>
      <StatusLine />
      <WebauthnScripts prefix={props.prefix} />
    </section>
  );
}

/** The user's keys with rename and remove forms; plain forms, no JavaScript needed. */
export function WebauthnKeyList(props: WebauthnSectionProps & { keys: WebauthnKeyView[]; timeZone?: string }) {
  const { prefix } = props;
  const at = (date: Date) => <time datetime={date.toISOString()} title={date.toISOString()}>{formatWhen(date)}</time>;
  return (
    <div id="security-keys">
      <h3>{t('Security keys and passkeys')}</h3>
      {props.keys.length === 0 ? (
        <p class="muted">{t('No security key yet.')}</p>
      ) : (
        <div class="table-scroll">
        <table>
          <thead><tr><th>{t('Name')}</th><th>{t('Added')}</th><th>{t('Last used')}</th></tr></thead>
          {props.keys.map((key) => (
            <tbody>
              <tr>
                <td><strong>{key.name}</strong></td>
                <td>{at(key.createdAt)}</td>
                <td>{key.lastUsedAt ? at(key.lastUsedAt) : <span class="muted">{t('Never')}</span>}</td>
              </tr>
              <tr>
                <td colspan={3}>
                  <form method="post" action={`${prefix}/account/webauthn/${key.id}/rename`} class="inline">
                    <CsrfField token={props.csrfToken} />
                    <input name="name" value={key.name} maxlength={NAME_MAX} required aria-label={t('New name for {{name}}', { name: key.name })} />
                    <button type="submit" class="secondary">{t('Rename')}</button>
                  </form>{' '}
                  <form method="post" action={`${prefix}/account/webauthn/${key.id}/remove`} class="inline" data-confirm={t('Remove the security key “{{name}}”? You can no longer sign in with it.', { name: key.name })}>
                    <CsrfField token={props.csrfToken} />
                    <button type="submit" class="danger" aria-label={t('Remove {{name}}', { name: key.name })}>{t('Remove')}</button>
                  </form>
                </td>
              </tr>
            </tbody>
          ))}
        </table>
        </div>
      )}
      <p><a href={`${prefix}/enroll#webauthn`}>{t('Add a security key or passkey')}</a></p>
      <WebauthnScripts prefix={prefix} />
    </div>
  );
}
