/**
 * YAML values that remember which file and line supplied them, so that after several files are
 * merged a validation error can still point at the node an administrator has to fix.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Origin {
  file: string;
  line: number;
  col: number;
}

export interface Entry {
  keyAt: Origin;
  node: Located;
}

export type Located =
  | { kind: 'map'; at: Origin; entries: Map<string, Entry> }
  | { kind: 'seq'; at: Origin; items: Located[] }
  | { kind: 'scalar'; at: Origin; value: unknown };

/** Lists that several files extend rather than replace (CONTRACT §3). */
const CONCATENATED = new Set(['access.rules', 'reenrollment']);

export function locateDocument(doc: Document, file: string, lines: LineCounter): Located {
  const origin = (node: Node | null | undefined, fallback: Origin): Origin => {
    const offset = node?.range?.[0];
    return offset === undefined ? fallback : { file, ...lines.linePos(offset) };
  };
  const start: Origin = { file, line: 1, col: 1 };
  const active = new Set<Node>();

  const walk = (node: unknown, fallback: Origin): Located => {
    const at = origin(node as Node | null, fallback);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      // An alias to one of its own ancestors would recurse forever.
      if (!target || active.has(target)) return { kind: 'scalar', at, value: Symbol('circular alias') };
      return walk(target, at);
    }
    if (isMap(node) || isSeq(node)) active.add(node);
    try {
      if (isMap(node)) {
        const entries = new Map<string, Entry>();
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const keyAt = origin(pair.key as Node | null, at);
          entries.set(key, { keyAt, node: walk(pair.value, keyAt) });
        }
        return { kind: 'map', at, entries };
      }
      if (isSeq(node)) return { kind: 'seq', at, items: node.items.map((item) => walk(item, at)) };
      return { kind: 'scalar', at, value: isScalar(node) ? node.value : null };
    } finally {
      active.delete(node as Node);
    }
  };

  // An empty file is an empty map, so it can be merged like any other.
  if (doc.contents === null) return { kind: 'map', at: start, entries: new Map() };
  return walk(doc.contents, start);
}

function isNull(node: Located): boolean {
  return node.kind === 'scalar' && node.value === null;
}

/** A value set in one file and set again in a later one, whose value wins. */
export interface Override {
  key: string;
  at: Origin;
  previous: Origin;
}

/**
 * Maps merge key by key and the later file wins, except for the concatenated lists. Each value a
 * later file replaces is reported to `overrides` (issue 28: an override is easy to miss).
 */
export function mergeLocated(base: Located | undefined, next: Located, path = '', overrides?: Override[]): Located {
  if (!base) return next;
  if (base.kind === 'map' && next.kind === 'map') {
    const entries = new Map(base.entries);
    for (const [key, entry] of next.entries) {
      const previous = entries.get(key);
      if (previous && isNull(entry.node)) continue;
      const child = path ? `${path}.${key}` : key;
      entries.set(key, previous ? { keyAt: entry.keyAt, node: mergeLocated(previous.node, entry.node, child, overrides) } : entry);
    }
    return { kind: 'map', at: next.at, entries };
  }
  if (base.kind === 'seq' && next.kind === 'seq' && CONCATENATED.has(path)) {
    return { kind: 'seq', at: next.at, items: [...base.items, ...next.items] };
  }
  // `key:` with everything under it commented out means "not set here", not "set to null".
  if (isNull(next)) return base;
  if (!isNull(base)) overrides?.push({ key: path, at: next.at, previous: base.at });
  return next;
}

export function toPlain(node: Located): unknown {
  switch (node.kind) {
    case 'map':
      return Object.fromEntries(
        [...node.entries].filter(([, entry]) => !isNull(entry.node)).map(([key, entry]) => [key, toPlain(entry.node)]),
      );
    case 'seq':
      return node.items.map(toPlain);
    case 'scalar':
      return node.value;
  }
}

/** The node at `path` when a file sets it (not null), else undefined: the value is a default. */
export function nodeAt(root: Located | undefined, path: readonly string[]): Located | undefined {
  let node = root;
  for (const segment of path) {
    if (node?.kind !== 'map') return undefined;
    node = node.entries.get(segment)?.node;
  }
  return node && !isNull(node) ? node : undefined;
}

/**
 * Where the value at `path` was written: the node itself, or `keyAt` when `atKey` is asked for or
 * the value is empty; the nearest written ancestor when the value came from a default.
 */
export function locatePath(root: Located, path: readonly PropertyKey[], atKey = false): Origin {
  let node = root;
  let keyAt: Origin | undefined;
  for (const segment of path) {
    if (node.kind === 'map') {
      const entry = node.entries.get(String(segment));
      if (!entry) return node.at;
      ({ node, keyAt } = entry);
    } else if (node.kind === 'seq' && typeof segment === 'number' && node.items[segment]) {
      node = node.items[segment];
      keyAt = undefined;
    } else {
      return node.at;
    }
  }
  return keyAt && (atKey || isNull(node)) ? keyAt : node.at;
}
