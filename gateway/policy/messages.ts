/** Plain-English problem descriptions for policy files, replacing zod's developer-facing wording. */
import type { z } from 'zod';

const KIND: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function describeBound(issue: z.core.$ZodRawIssue, word: 'least' | 'most'): string | undefined {
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return undefined;
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  if (issue.origin === 'array') return `expected at ${word} ${plural(bound, 'entry', 'entries')}`;
  if (issue.origin === 'string') {
    return bound === 1 && word === 'least' ? 'must not be empty' : `expected at ${word} ${plural(bound, 'character')}`;
  }
  if (issue.inclusive === false) return `expected a number ${word === 'least' ? '>' : '<'} ${bound}`;
  return `expected a number ${word === 'least' ? '≥' : '≤'} ${bound}`;
}

/** A per-parse zod error map; messages given in the schema itself take precedence over these. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required; expected ${KIND[issue.expected] ?? issue.expected}`;
      return `expected ${KIND[issue.expected] ?? issue.expected}`;
    case 'invalid_value': {
      const values = issue.values.map(String);
      const prefix = issue.input === undefined ? 'required; ' : '';
      return values.length === 1 ? `${prefix}expected ${values[0]}` : `${prefix}expected one of ${values.join(', ')}`;
    }
    case 'too_small':
      return describeBound(issue, 'least');
    case 'too_big':
      return describeBound(issue, 'most');
    default:
      return undefined;
  }
}

type Schema = z.core.$ZodType;

function unwrap(schema: Schema): Schema {
  const def = schema._zod.def as { type: string; innerType?: Schema; in?: Schema };
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  return schema;
}

/** The keys a strict map at `path` accepts, so an "unknown key" message can list them. */
export function allowedKeys(schema: Schema, path: readonly PropertyKey[]): string[] {
  let node = unwrap(schema);
  for (const segment of path) {
    const def = node._zod.def as { type: string; shape?: Record<string, Schema>; element?: Schema };
    const next = def.type === 'array' ? def.element : def.shape?.[String(segment)];
    if (!next) return [];
    node = unwrap(next);
  }
  const def = node._zod.def as { type: string; shape?: Record<string, Schema> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
