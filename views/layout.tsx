import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { LANGUAGE_NAMES, LANGUAGES } from '../gateway/i18n/languages.js';
import { t, usePageLanguage } from './i18n.js';

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
  const { language } = usePageLanguage();
  return (
    <>
    {raw('<!doctype html>')}
    <html lang={language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · Recourse`}</title>
        <link rel="stylesheet" href={`${prefix}/static/style.css`} />
        <script src={`${prefix}/static/htmx.min.js`} defer></script>
        <script src={`${prefix}/static/local-time.js`} defer></script>
      </head>
      <body hx-headers={props.csrfToken ? JSON.stringify({ 'X-CSRF-Token': props.csrfToken }) : undefined}>
        <a class="skip-link" href="#main">{t('Skip to content')}</a>
        <header class="topbar">
          <a class="brand" href={props.user ? `${prefix}/account` : `${prefix}/login`}>Recourse</a>
          {props.user ? (
            <nav>
              {props.user.isAdmin ? <a href={`${prefix}/admin`}>{t('Dashboard')}</a> : null}
              <a href={`${prefix}/account`}>{props.user.name || props.user.email}</a>
              <form method="post" action={`${prefix}/logout`} class="inline">
                <input type="hidden" name="_csrf" value={props.csrfToken ?? ''} />
                <button type="submit" class="link">{t('Sign out')}</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main id="main" tabindex={-1} class={props.wide ? 'wide' : 'narrow'}>{props.children}</main>
        <LanguageSwitcher prefix={prefix} />
      </body>
    </html>
    </>
  );
}

/** Links to each language (P/language): plain links, so switching works without JavaScript. */
function LanguageSwitcher(props: { prefix: string }) {
  const { language, here } = usePageLanguage();
  return (
    <footer class="languages">
      <nav aria-label={t('Language')}>
        <ul>
          {LANGUAGES.map((code) => (
            <li>
              <a href={`${props.prefix}/language?set=${code}&rd=${encodeURIComponent(here)}`} lang={code} hreflang={code} aria-current={code === language ? 'true' : undefined}>{LANGUAGE_NAMES[code]}</a>
            </li>
          ))}
        </ul>
      </nav>
    </footer>
  );
}

/** The id of a page's form error, which the fields it is about name in aria-describedby. */
export const FORM_ERROR_ID = 'form-error';

/**
 * Routes pass messages as their English keys (marked with translatable()); the note shows them in
 * the page language. Fields the error is about carry {...invalidWhen(error)}.
 */
export function ErrorNote(props: { message?: string | null }) {
  return props.message ? <p class="error" role="alert" id={FORM_ERROR_ID}>{t(props.message)}</p> : null;
}

/** aria-invalid and aria-describedby for a field, when the page's error is about it (WCAG 3.3.1). */
export function invalidWhen(error: unknown): { 'aria-invalid'?: 'true'; 'aria-describedby'?: string } {
  return error ? { 'aria-invalid': 'true', 'aria-describedby': FORM_ERROR_ID } : {};
}

export function NoticeNote(props: { message?: string | null }) {
  return props.message ? <p class="notice" role="status">{t(props.message)}</p> : null;
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
