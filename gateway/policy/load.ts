/**
 * Policy directory → one validated, frozen policy, or every problem with the file, line and column
 * an administrator has to fix.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { locateDocument, locatePath, mergeLocated, toPlain, type Located, type Origin, type Override } from './located.js';
import { allowedKeys, describeIssue } from './messages.js';
import { policySchema, type Policy } from './schema.js';

export interface PolicyFile {
  name: string;
  path: string;
  text: string;
}

export interface PolicyError {
  file: string;
  line: number;
  col: number;
  /** Key path such as `access.rules[2].policy`; empty for YAML syntax and I/O errors. */
  key: string;
  message: string;
}

export type PolicyRead = { ok: true; files: PolicyFile[] } | { ok: false; errors: PolicyError[] };
export type PolicyLoad =
  /** `warnings`: values a later file overrides (`file:line:col key: message` like errors). */
  | { ok: true; policy: Policy; version: string; files: string[]; warnings: PolicyError[] }
  | { ok: false; errors: PolicyError[] };

// Hidden files are skipped: editors and Kubernetes ConfigMaps keep copies there beside the real ones.
const POLICY_FILE = /^[^.].*\.ya?ml$/i;
/**
 * The shipped, documented file: read first whatever its name sorts as, so that every other file
 * overrides it (issue 28: `50-local.yaml` sorted before `default.yaml` and silently lost to it).
 */
export const BASE_POLICY_FILE = /^default\.ya?ml$/i;

/** The order files merge in: the base file first, then every other file in name order. */
export function policyFileOrder(a: string, b: string): number {
  const baseFirst = Number(BASE_POLICY_FILE.test(b)) - Number(BASE_POLICY_FILE.test(a));
  return baseFirst || (a < b ? -1 : a > b ? 1 : 0);
}
const VERSION_LENGTH = 12;
const NOWHERE: Origin = { file: '(defaults)', line: 0, col: 0 };

function ioError(file: string, error: unknown): PolicyError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return { file, line: 1, col: 1, key: '', message: `cannot read (${code})` };
}

export async function readPolicyFiles(dir: string): Promise<PolicyRead> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => POLICY_FILE.test(name)).sort(policyFileOrder);
  } catch (error) {
    // No directory means no overrides: the built-in defaults apply.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, files: [] };
    return { ok: false, errors: [ioError(dir, error)] };
  }
  const files: PolicyFile[] = [];
  const errors: PolicyError[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      files.push({ name, path, text: await readFile(path, 'utf8') });
    } catch (error) {
      errors.push(ioError(path, error));
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, files };
}

/** SHA-256 over every file's name and text: any edit, new file or removal changes it. */
export function policyDigest(files: readonly PolicyFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(file.name).update('\0').update(file.text).update('\0');
  }
  return hash.digest('hex');
}

/** A short content hash: the same files with the same text always give the same version. */
export function policyVersion(files: readonly PolicyFile[]): string {
  return policyDigest(files).slice(0, VERSION_LENGTH);
}

function syntaxError(file: string, error: YAMLError, lines: LineCounter): PolicyError {
  return { file, ...lines.linePos(error.pos[0]), key: '', message: error.message };
}

function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

function toPolicyErrors(issue: z.core.$ZodIssue, root: Located | undefined): PolicyError[] {
  const where = (path: readonly PropertyKey[], atKey = false) => (root ? locatePath(root, path, atKey) : NOWHERE);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(policySchema, issue.path);
    const hint = allowed.length > 0 ? ` (expected one of ${allowed.join(', ')})` : '';
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { ...where(path, true), key: keyPath(path), message: `unknown key${hint}` };
    });
  }
  const message =
    issue.path.length === 0 && issue.code === 'invalid_type'
      ? `expected a map of ${allowedKeys(policySchema, []).join(', ')}`
      : issue.message;
  return [{ ...where(issue.path), key: keyPath(issue.path), message }];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export interface MergedPolicyFiles {
  /** The files merged, each value remembering where it was written; undefined without files. */
  root: Located | undefined;
  /** YAML syntax errors; the merge is then incomplete. */
  errors: PolicyError[];
  /** Values a later file replaced, except those of the base file, which are there to be overridden. */
  overrides: Override[];
}

/** Parses and merges files in the order given (readPolicyFiles reads them in policyFileOrder). */
export function mergePolicyFiles(files: readonly PolicyFile[]): MergedPolicyFiles {
  const errors: PolicyError[] = [];
  const overrides: Override[] = [];
  let root: Located | undefined;
  for (const file of files) {
    const lines = new LineCounter();
    const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false });
    if (doc.errors.length > 0) {
      errors.push(...doc.errors.map((error) => syntaxError(file.path, error, lines)));
      continue;
    }
    root = mergeLocated(root, locateDocument(doc, file.path, lines), '', overrides);
  }
  const base = new Set(files.filter((file) => BASE_POLICY_FILE.test(file.name)).map((file) => file.path));
  return { root, errors, overrides: overrides.filter((o) => !base.has(o.previous.file)) };
}

function overrideWarning(override: Override): PolicyError {
  const { previous } = override;
  return { ...override.at, key: override.key, message: `overrides the value set at ${previous.file}:${previous.line}:${previous.col}, which is ignored` };
}

/** Parses, merges and validates already-read files; pure apart from hashing. */
export function parsePolicyFiles(files: readonly PolicyFile[]): PolicyLoad {
  const { root, errors, overrides } = mergePolicyFiles(files);
  // Validating a half-parsed merge would bury the syntax errors under follow-on noise.
  if (errors.length > 0) return { ok: false, errors };

  const parsed = policySchema.safeParse(root ? toPlain(root) : {}, { error: describeIssue });
  if (!parsed.success) {
    const order = files.map((file) => file.path);
    const located = parsed.error.issues.flatMap((issue) => toPolicyErrors(issue, root));
    located.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file) || a.line - b.line || a.col - b.col);
    return { ok: false, errors: located };
  }
  return { ok: true, policy: deepFreeze(parsed.data), version: policyVersion(files), files: files.map((f) => f.path), warnings: overrides.map(overrideWarning) };
}

export async function loadPolicyDir(dir: string): Promise<PolicyLoad> {
  const read = await readPolicyFiles(dir);
  return read.ok ? parsePolicyFiles(read.files) : read;
}

/** The built-in policy, as if the policy directory were empty. */
export function defaultPolicy(): Policy {
  const outcome = parsePolicyFiles([]);
  if (!outcome.ok) throw new Error('built-in policy defaults are invalid');
  return outcome.policy;
}

/** `file:line:col key: message`, the form editors and `recourse policy check` understand. */
export function formatPolicyErrors(errors: readonly PolicyError[]): string[] {
  return errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.key ? `${e.key}: ` : ''}${e.message}`);
}
