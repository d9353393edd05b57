/**
 * A form as a browser would post it: the successful controls of one `<form id=…>` of a server-
 * rendered page (hidden and text inputs, ticked boxes, textareas, selected options; no disabled
 * control and no submit button unless named), in document order, repeated names kept.
 */
const ATTR = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const has = (tag: string, name: string) => new RegExp(`\\s${name}(\\s|=|>|/)`).test(tag);

function decode(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

export function formFields(html: string, formId: string): Array<[string, string]> {
  const start = html.indexOf(`id="${formId}"`);
  if (start < 0) throw new Error(`no form #${formId} on the page`);
  const body = html.slice(start, html.indexOf('</form>', start));
  const fields: Array<[string, string]> = [];
  for (const match of body.matchAll(/<input\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/g)) {
    const tag = match[0].slice(0, match[0].indexOf('>') + 1);
    const name = ATTR(tag, 'name');
    if (!name || has(tag, 'disabled')) continue;
    if (tag.startsWith('<textarea')) fields.push([name, decode(match[1] ?? '')]);
    else if (tag.startsWith('<select')) {
      const options = [...(match[2] ?? '').matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
      const picked = options.find((o) => has(o, 'selected')) ?? options[0];
      if (picked) fields.push([name, decode(ATTR(picked, 'value') ?? '')]);
    } else {
      const type = ATTR(tag, 'type') ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !has(tag, 'checked')) continue;
      if (type === 'submit' || type === 'button') continue;
      fields.push([name, decode(ATTR(tag, 'value') ?? (type === 'checkbox' ? 'on' : ''))]);
    }
  }
  return fields;
}

/** Replaces every value posted under `name` with `values`, where the first of them stood. */
export function withField(fields: Array<[string, string]>, name: string, ...values: string[]): Array<[string, string]> {
  const at = fields.findIndex(([n]) => n === name);
  const kept = fields.filter(([n]) => n !== name);
  kept.splice(at < 0 ? kept.length : at, 0, ...values.map((v): [string, string] => [name, v]));
  return kept;
}
