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
      problems.push(`${keyPath.join('.')}: ${name}=${JSON.stringify(text)} is not a ${kind}`);
      continue;
    }
    setPath(target, keyPath, value);
  }
  return target;
}

type Kind = 'string' | 'number' | 'boolean' | 'list';

function convert(text: string, kind: Kind): unknown {
  if (kind === 'number') return /^\d+$/.test(text) ? Number(text) : undefined;
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  if (kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean);
  return text;
}

let cached: Array<[string[], Kind]> | undefined;

/** Scalar leaves of the config, found from the schema's defaults plus the optional secrets. */
function scalarKeyPaths(): Array<[string[], Kind]> {
  if (cached) return cached;
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const out: Array<[string[], Kind]> = [
    [['session', 'secret'], 'string'],
    [['mail', 'smtp_url_file'], 'string'],
  ];
  for (const [section, value] of Object.entries(defaults)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const [key, leaf] of Object.entries(value)) {
      const kind: Kind = Array.isArray(leaf) ? 'list' : typeof leaf === 'number' ? 'number' : typeof leaf === 'boolean' ? 'boolean' : 'string';
      out.push([[section, key], kind]);
    }
  }
  cached = out;
  return out;
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === 'object' ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keyPath.at(-1)!] = value;
}
