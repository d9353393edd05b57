/**
 * The gateway's version, from its package.json: the nearest one named `recourse` above this file
 * (the sources, or the build in `dist/`, whose own package.json only sets the module type).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

export function gatewayVersion(): string {
  if (version) return version;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const found = versionIn(dir);
    if (found) return (version = found);
    const parent = path.dirname(dir);
    // A copy without its package.json still describes itself, as a version no release has.
    if (parent === dir) return (version = '0.0.0');
    dir = parent;
  }
}

function versionIn(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'recourse' && typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
