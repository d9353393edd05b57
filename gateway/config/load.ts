import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config, type RawConfig } from './schema.js';
import { applyEnvOverrides } from './env.js';

/** Every problem found in a config, one line each, each starting with its key path. */
export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Explicit file (--config); otherwise RECOURSE_CONFIG, ./config.yaml, ./config.example.yaml. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Tests pass an object instead of a file. */
  object?: unknown;
}

export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv, explicit?: string): string | null {
  if (explicit) return path.resolve(cwd, explicit);
  if (env.RECOURSE_CONFIG) return path.resolve(cwd, env.RECOURSE_CONFIG);
  for (const name of ['config.yaml', 'config.example.yaml']) {
    const candidate = path.join(cwd, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.object === undefined ? findConfigFile(cwd, env, options.file) : null;
  const raw = options.object !== undefined ? structuredClone(options.object) : readYaml(file);
  const baseDir = file ? path.dirname(file) : cwd;
  const problems: string[] = [];
  const withEnv = applyEnvOverrides(raw ?? {}, env, problems);
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return finalise(parsed.data, baseDir, file);
}

function readYaml(file: string | null): unknown {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`config: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  // prettyErrors: false keeps messages to one line, but then only a LineCounter knows line and column.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => {
      const at = lineCounter.linePos(e.pos[0]);
      return `config: ${path.basename(file)}:${at.line}:${at.col} ${e.message.split('\n')[0]}`;
    }));
  }
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw new ConfigError(['config: expected a mapping of sections (server, session, storage, …)']);
  }
  return value ?? {};
}

export function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
    }
    return [`${formatPath(issue.path) || 'config'}: ${issue.message}`];
  });
}

function formatPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((out, part) => typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part), '');
}

function finalise(data: RawConfig, baseDir: string, file: string | null): Config {
  const resolve = (p: string) => (p ? path.resolve(baseDir, p) : p);
  const { smtp_url_file: smtpUrlFile, ...mail } = data.mail;
  const problems: string[] = [];
  const secretFile = resolve(data.session.secret_file);
  const secret = data.session.secret ?? readOrCreateSecret(secretFile, problems);
  let smtpUrl = mail.smtp_url;
  if (smtpUrlFile) {
    try {
      smtpUrl = fs.readFileSync(resolve(smtpUrlFile), 'utf8').trim();
    } catch (error) {
      problems.push(`mail.smtp_url_file: cannot read ${resolve(smtpUrlFile)}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  const directory = resolveDirectory(data.directory, resolve, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const config: Config = {
    ...data,
    server: { ...data.server, public_url: data.server.public_url.replace(/\/+$/, '') },
    session: { ...data.session, secret, secret_file: secretFile },
    storage: { ...data.storage, data_dir: resolve(data.storage.data_dir) },
    mail: { ...mail, smtp_url: smtpUrl, outbox_dir: resolve(mail.outbox_dir) },
    geoip: { city_db: resolve(data.geoip.city_db), asn_db: resolve(data.geoip.asn_db), anonymous_db: resolve(data.geoip.anonymous_db) },
    policies: { dir: resolve(data.policies.dir) },
    apps: data.apps.map((app) => ({ ...app })),
    directory,
    baseDir,
    file,
  };
  return deepFreeze(config);
}

/**
 * The directory's secrets come from files only, so the bind password is in no config file; they
 * are read when the directory is used (kind: ldap), each problem naming its key.
 */
function resolveDirectory(data: RawConfig['directory'], resolve: (p: string) => string, problems: string[]): Config['directory'] {
  const ldap = { ...data.ldap, bind_password_file: resolve(data.ldap.bind_password_file), ca_file: resolve(data.ldap.ca_file), bind_password: '', ca: null as string | null };
  if (data.kind !== 'ldap') return { ...data, ldap };
  const read = (key: string, file: string): string | null => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`directory.ldap.${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return null;
    }
  };
  // One trailing line break is the file's, not the password's.
  ldap.bind_password = read('bind_password_file', ldap.bind_password_file)?.replace(/\r?\n$/, '') ?? '';
  if (ldap.bind_password === '' && !problems.some((p) => p.startsWith('directory.ldap.bind_password_file'))) {
    // An empty password makes a simple bind unauthenticated (RFC 4513 §5.1.2): never a service account.
    problems.push(`directory.ldap.bind_password_file: ${ldap.bind_password_file} is empty`);
  }
  if (ldap.ca_file) ldap.ca = read('ca_file', ldap.ca_file);
  return { ...data, ldap };
}

/** A missing secret file is created with 0600 so a fresh install works and the key stays private. */
function readOrCreateSecret(file: string, problems: string[]): string {
  try {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(secret) < 32) problems.push(`session.secret_file: ${file} holds fewer than 32 bytes`);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      problems.push(`session.secret_file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
      return '';
    }
  }
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = randomBytes(48).toString('base64url');
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    problems.push(`session.secret_file: cannot create ${file}: ${(error as NodeJS.ErrnoException).code}`);
    return '';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
