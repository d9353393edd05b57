/** `P/2fa/recovery-code`: sign in with the single-use code an administrator sent (SECURITY R1, R3). */
import { CsrfField, ErrorNote, Layout } from '../layout.js';

export interface RecoveryCodePageProps {
  prefix: string;
  csrfToken: string;
  rd: string;
  user: { email: string; name: string; isAdmin?: boolean };
  error?: string | null;
}

export function RecoveryCodePage(props: RecoveryCodePageProps) {
  const { prefix } = props;
  return (
    <Layout title="Use a recovery code" prefix={prefix} user={props.user} csrfToken={props.csrfToken}>
      <h1>Use a recovery code</h1>
      <ErrorNote message={props.error} />
      <form method="post" action={`${prefix}/2fa/recovery-code`} class="card" id="recovery-code">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="rd" value={props.rd} />
        <label for="code">Recovery code from your administrator</label>
        <input
          id="code" name="code" type="text" class="code" required autofocus
          autocomplete="one-time-code" autocapitalize="characters" spellcheck={false}
          maxlength={80} placeholder="XXXX-XXXX-XXXX"
        />
        <p class="aside">The code works once and for a limited time. Dashes, spaces and upper or lower case do not matter. You will set up a new second factor right after.</p>
        <button type="submit">Sign in</button>
      </form>
      <p class="aside"><a href={`${prefix}/2fa?rd=${encodeURIComponent(props.rd)}`}>Use another way to sign in</a></p>
    </Layout>
  );
}
