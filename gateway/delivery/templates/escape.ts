/**
 * Escaping for email templates. Every value a template interpolates goes through the `html` tag,
 * which escapes it unless it is already SafeHtml, so forgetting to escape is not possible.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** HTML that is already escaped (or written by us); the `html` tag inserts it as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: escapes each interpolation; arrays are joined; null, undefined and false vanish. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

// C0 and C1 controls (CR, LF, TAB, NEL …) and the Unicode line and paragraph separators.
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * One line of plain text: line breaks and other control characters become a space. Used for every
 * subject (a CR/LF there would start a new header) and for every single-line value in a text body,
 * so a user-chosen name cannot forge a line such as "Role: super_admin" under it.
 */
export function oneLine(value: unknown): string {
  return String(value ?? '').replace(LINE_BREAKING, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * Multi-line user text for a plain-text body: kept, but each line is quoted with "> " so no line of
 * it can pass for one of ours (a header-like "Subject:" or a forged "Account status" section).
 */
export function quoteLines(value: string): string {
  return value
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .split('\n')
    .map((line) => `> ${line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ')}`.trimEnd())
    .join('\n');
}

/** Bounds user text so one request cannot make a megabyte email. */
export function clip(value: string, maxChars = 4000): string {
  return value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
}
