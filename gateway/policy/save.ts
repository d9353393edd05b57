/**
 * Writes settings back into the policy files (issue 28 item 1). Each value goes into the file it
 * comes from, edited with the `yaml` Document API so comments and layout stay; a value that only
 * the base file or the built-in defaults set goes into LOCAL_POLICY_FILE. Guarded by a
 * compare-and-swap on the directory's content: the digest of every file as the form was drawn
 * must still be what is on disk, so an edit made meanwhile is never overwritten. The proposed
 * files go through parsePolicyFiles, the loader's own validation, before anything is written;
 * the caller then reloads through the policy store like any hand edit.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { nodeAt } from './located.js';
import {
  BASE_POLICY_FILE, mergePolicyFiles, parsePolicyFiles, policyDigest, policyFileOrder, readPolicyFiles,
  type PolicyError, type PolicyFile,
} from './load.js';
import type { Policy } from './schema.js';
import { changedSettings, currentSettings, keyPath, type SettingChange, type SettingValue } from './settings.js';

/** Where values no file of the administrator's sets are written (the file README suggests). */
export const LOCAL_POLICY_FILE = '50-local.yaml';

const LOCAL_HEADER = `# Local policy changes (read after default.yaml, which they override).
# The dashboard's Settings page writes here; edit by hand as well: comments and layout are kept.
`;

/** The policy files as read now, with what the Settings page needs to draw and save them. */
export interface PolicyDirState {
  files: PolicyFile[];
  /** policyDigest of `files`: the compare-and-swap token the form carries. */
  digest: string;
  policy: Policy;
  /** Per key: the file (name) and line a value comes from, or null for a built-in default. */
  sources: Record<string, { file: string; line: number } | null>;
  /** Per key: the file a save writes it into. */
  targets: Record<string, string>;
}

export type DirRead = { ok: true; state: PolicyDirState } | { ok: false; errors: PolicyError[] };

export async function readPolicyDirState(dir: string, keys: readonly string[]): Promise<DirRead> {
  const read = await readPolicyFiles(dir);
  if (!read.ok) return read;
  const loaded = parsePolicyFiles(read.files);
  if (!loaded.ok) return loaded;
  const { root } = mergePolicyFiles(read.files);
  const byPath = new Map(read.files.map((file) => [file.path, file.name]));
  const sources: PolicyDirState['sources'] = {};
  const targets: PolicyDirState['targets'] = {};
  for (const key of keys) {
    const node = nodeAt(root, keyPath(key));
    const name = node ? byPath.get(node.at.file) ?? basename(node.at.file) : null;
    sources[key] = node && name ? { file: name, line: node.at.line } : null;
    targets[key] = name && !BASE_POLICY_FILE.test(name) ? name : LOCAL_POLICY_FILE;
  }
  return { ok: true, state: { files: read.files, digest: policyDigest(read.files), policy: loaded.policy, sources, targets } };
}

export type SaveOutcome =
  | { ok: true; changes: Array<SettingChange & { file: string }>; files: PolicyFile[] }
  /** The files changed since the form was drawn (or while this save ran): nothing was written. */
  | { ok: false; reason: 'conflict' }
  /** The files on disk do not load; saving over them would hide that. */
  | { ok: false; reason: 'unreadable'; errors: PolicyError[] }
  /** The proposed policy is refused, each error naming its key. */
  | { ok: false; reason: 'invalid'; errors: PolicyError[] }
  | { ok: false; reason: 'write_failed'; file: string; code: string };

/** Sets one value in a document, keeping the comments of what it replaces. */
function setValue(doc: Document, path: string[], value: SettingValue): void {
  // `key:` with its children commented out is null: it becomes a map, its comment kept above.
  for (let depth = 1; depth < path.length; depth++) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isScalar(node) && node.value === null) {
      const map = doc.createNode({});
      map.commentBefore = node.comment ?? node.commentBefore ?? null;
      doc.setIn(path.slice(0, depth), map);
    }
  }
  const existing = doc.getIn(path, true);
  if (isSeq(existing) && Array.isArray(value)) {
    // Replacing the items keeps the list's own style (flow `[a, b]` or block) and comment.
    existing.items = doc.createNode(value).items;
    return;
  }
  // A scalar keeps its node, and so its trailing comment (yaml's YAMLMap.set).
  doc.setIn(path, value);
}

async function writeAtomically(path: string, text: string, expected: string | null): Promise<'ok' | 'conflict' | { code: string }> {
  // A hidden name: the loader skips it, so a half-written file is never read as policy.
  const temp = join(path, '..', `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const mode = expected === null ? null : (await stat(path)).mode & 0o777;
    await writeFile(temp, text, { flag: 'wx' });
    if (mode !== null) await chmod(temp, mode);
    // The last look before the swap: an editor that saved meanwhile wins, and this save reports it.
    const now = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
    if (now !== expected) {
      await rm(temp, { force: true });
      return 'conflict';
    }
    await rename(temp, path);
    return 'ok';
  } catch (error) {
    await rm(temp, { force: true });
    return { code: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

/**
 * Saves `values` (postedSettings) into the policy directory if its digest is still `expectedDigest`.
 * Only keys whose value differs from the files' are written.
 */
export async function saveSettings(dir: string, expectedDigest: string, values: Record<string, SettingValue>): Promise<SaveOutcome> {
  const read = await readPolicyDirState(dir, Object.keys(values));
  if (!read.ok) return { ok: false, reason: 'unreadable', errors: read.errors };
  const { state } = read;
  if (state.digest !== expectedDigest) return { ok: false, reason: 'conflict' };
  const changes = changedSettings(currentSettings(state.policy), values).map((change) => ({ ...change, file: state.targets[change.key]! }));
  if (changes.length === 0) return { ok: true, changes, files: state.files };

  const texts = new Map(state.files.map((file) => [file.name, file.text]));
  const edited = new Map<string, string>();
  for (const file of new Set(changes.map((change) => change.file))) {
    const doc = parseDocument(texts.get(file) ?? LOCAL_HEADER);
    for (const change of changes.filter((c) => c.file === file)) setValue(doc, keyPath(change.key), change.to);
    // The shipped files' style: `[a, b]` lists, long lines never folded.
    edited.set(file, doc.toString({ flowCollectionPadding: false, lineWidth: 0 }));
  }
  const proposed: PolicyFile[] = [
    ...state.files.map((file) => ({ ...file, text: edited.get(file.name) ?? file.text })),
    ...[...edited.keys()].filter((name) => !texts.has(name)).map((name) => ({ name, path: join(dir, name), text: edited.get(name)! })),
  ].sort((a, b) => policyFileOrder(a.name, b.name));
  const checked = parsePolicyFiles(proposed);
  if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };

  for (const [name, text] of edited) {
    const written = await writeAtomically(join(dir, name), text, texts.get(name) ?? null);
    if (written === 'conflict') return { ok: false, reason: 'conflict' };
    if (written !== 'ok') return { ok: false, reason: 'write_failed', file: name, code: written.code };
  }
  return { ok: true, changes, files: proposed };
}
