import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

export interface LayoutProps {
  title: string;
  prefix: string;
  children?: Child;
  /** Shown in the header when signed in. */
  user?: { email: string; name: string; isAdmin?: boolean } | null;
  csrfToken?: string;
  wide?: boolean;
}

/** The page shell every gateway page shares: stylesheet, htmx, header, main column. */
export function Layout(props: LayoutProps) {
  const { prefix } = props;
  return (
    <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · Recourse`}</title>
        <link rel="stylesheet" href={`${prefix}/static/style.css`} />
        <script src={`${prefix}/static/htmx.min.js`} defer></script>
      </head>
      <body hx-headers={props.csrfToken ? JSON.stringify({ 'X-CSRF-Token': props.csrfToken }) : undefined}>
        <header class="topbar">
          <a class="brand" href={props.user ? `${prefix}/account` : `${prefix}/login`}>Recourse</a>
          {props.user ? (
            <nav>
              {props.user.isAdmin ? <a href={`${prefix}/admin`}>Dashboard</a> : null}
              <a href={`${prefix}/account`}>{props.user.name || props.user.email}</a>
              <form method="post" action={`${prefix}/logout`} class="inline">
                <input type="hidden" name="_csrf" value={props.csrfToken ?? ''} />
                <button type="submit" class="link">Sign out</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main class={props.wide ? 'wide' : 'narrow'}>{props.children}</main>
      </body>
    </html>
    </>
  );
}

export function ErrorNote(props: { message?: string | null }) {
  return props.message ? <p class="error" role="alert">{props.message}</p> : null;
}

export function NoticeNote(props: { message?: string | null }) {
  return props.message ? <p class="notice" role="status">{props.message}</p> : null;
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
