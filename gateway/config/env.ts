import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * `RECOURSE_` + the key path in upper case with `_` for `.` overrides any scalar
 * (`RECOURSE_STORAGE_DATABASE_URL`). Key names contain underscores themselves, so the
 * variable is matched against the known key paths rather than split.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  const target = (raw && typeof raw === 'object' ? structuredClone(raw) : {}) as Record<string, unknown>;
  for (const [keyPath, kind] of scalarKeyPaths()) {
    const name = `RECOURSE_${keyPath.join('_').toUpperCase()}`;
    const text = env[name];
    if (text === undefined) continue;
    const value = convert(text, kind);
    if (value === undefined) {
      problems.push(`${keyPath.join('.')}: ${name}=${JSON.stringify(text)} is not ${EXPECTED[kind]}`);
      continue;
    }
    setPath(target, keyPath, value);
  }
  return target;
}

type Kind = 'string' | 'number' | 'boolean' | 'list';
// Every numeric key is a whole number, so the environment takes digits only.
const EXPECTED: Record<Kind, string> = { string: 'a string', number: 'a whole number (digits only)', boolean: 'a boolean', list: 'a list' };

function convert(text: string, kind: Kind): unknown {
  if (kind === 'number') return /^\d+$/.test(text) ? Number(text) : undefined;
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  if (kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean);
  return text;
}

let cached: Array<[string[], Kind]> | undefined;

/**
 * Scalar leaves of the config, with the kind their *input* has. Read from the schema rather than
 * its parsed defaults: a duration is written `12h` but parses to a number of milliseconds.
 */
function scalarKeyPaths(): Array<[string[], Kind]> {
  if (cached) return cached;
  const out: Array<[string[], Kind]> = [];
  for (const [section, sectionSchema] of Object.entries(configSchema.shape)) {
    const inner = unwrap(sectionSchema);
    if (!(inner instanceof z.ZodObject)) continue;
    for (const [key, leafSchema] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
      const leaf = unwrap(leafSchema);
      const kind: Kind = leaf instanceof z.ZodArray ? 'list' : leaf instanceof z.ZodNumber ? 'number' : leaf instanceof z.ZodBoolean ? 'boolean' : 'string';
      out.push([[section, key], kind]);
    }
  }
  cached = out;
  return out;
}

/** The schema a value is written against: through defaults, optionals and a transform's input. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === 'object' ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keyPath.at(-1)!] = value;
}
