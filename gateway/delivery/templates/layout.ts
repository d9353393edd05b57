/** The frame every Recourse email shares: a minimal HTML document and a plain-text twin. */
import { translatorFor, type Translate } from '../../i18n/i18n.js';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '../../i18n/languages.js';
import { formatDateTime } from '../../i18n/time-zone.js';
import { html, oneLine, SafeHtml } from './escape.js';

export const PRODUCT = 'Recourse';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The recipient's language (users.language; CONTRACT §8.4) and its message function. */
export interface EmailLanguage {
  language: Language;
  t: Translate;
}

/** An email to someone whose stored language is `language` (null or unknown: English). */
export function emailLanguage(language: string | null | undefined): EmailLanguage {
  const chosen = isLanguage(language) ? language : DEFAULT_LANGUAGE;
  return { language: chosen, t: translatorFor(chosen) };
}

const ENGLISH = emailLanguage(DEFAULT_LANGUAGE);

/** Assembles the three parts; the subject is forced onto one line whatever the caller passed. */
export function renderedEmail(subject: string, textBody: string[], htmlBody: SafeHtml, { language, t }: EmailLanguage = ENGLISH): RenderedEmail {
  const title = oneLine(subject);
  const FOOTER = t('This message was sent automatically by {{product}}, the sign-in gateway of your organisation.', { product: PRODUCT });
  return {
    subject: title,
    text: [...textBody, '', '-- ', FOOTER, ''].join('\n'),
    html: html`<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#1f2328;line-height:1.5;max-width:40rem;margin:0 auto;padding:1rem">
<p style="font-weight:600;color:#57606a">${PRODUCT}</p>
${htmlBody}
<hr style="border:none;border-top:1px solid #d0d7de;margin:2rem 0 1rem">
<p style="font-size:0.85em;color:#57606a">${FOOTER}</p>
</body>
</html>
`.value,
  };
}

export function greeting(name: string | null | undefined, t: Translate = ENGLISH.t): string {
  const clean = oneLine(name);
  return clean ? t('Hello {{name}},', { name: clean }) : t('Hello,');
}

export function minutes(n: number, t: Translate = ENGLISH.t): string {
  return t('{{count}} minutes', { count: n });
}

/**
 * `2026-01-15 12:00 UTC` (English), or the recipient's language (`15. Jan. 2026, 12:00 UTC`);
 * a value that is not a date is shown as text on one line.
 */
export function formatWhen(at: Date | string | number, language?: Language): string {
  const date = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(date.getTime())) return oneLine(at);
  if (language && language !== DEFAULT_LANGUAGE) return formatDateTime(date, language, 'UTC');
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The code shown large and spaced in HTML, so it is easy to read and copy. */
export function codeBlock(code: string): SafeHtml {
  return html`<p style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.6em;letter-spacing:0.15em;font-weight:600;margin:1.5rem 0">${code}</p>`;
}

/** A link button, only for http(s) URLs; anything else is shown as text rather than made clickable. */
export function linkButton(url: string, label: string, t: Translate = ENGLISH.t): SafeHtml {
  if (!/^https?:\/\//i.test(url)) return html`<p>${url}</p>`;
  return html`<p style="margin:1.5rem 0"><a href="${url}" style="background:#0969da;color:#fff;padding:0.6rem 1rem;border-radius:6px;text-decoration:none">${label}</a></p>
<p style="font-size:0.85em;color:#57606a">${t('If the button does not work, copy this address into your browser:')}<br>${url}</p>`;
}

/** `Label: value` lines with aligned values; every value is forced onto one line. */
export function textFields(rows: [label: string, value: unknown][], indent = '  '): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${indent}${`${label}:`.padEnd(width)}${oneLine(value)}`);
}

/** The HTML twin of textFields. */
export function htmlFields(rows: [label: string, value: unknown][]): SafeHtml {
  return html`<table style="border-collapse:collapse;margin:0.5rem 0 1rem">${rows.map(
    ([label, value]) =>
      html`<tr><th style="text-align:left;padding:0.15rem 1rem 0.15rem 0;font-weight:600;vertical-align:top">${label}</th><td style="padding:0.15rem 0">${value}</td></tr>`,
  )}</table>`;
}
