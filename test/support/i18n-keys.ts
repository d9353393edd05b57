import fs from 'node:fs';
import path from 'node:path';

/** The message keys the sources use: every literal `t('…')` and `translatable('…')` under gateway/ and views/. */
export function usedMessageKeys(root: string): Map<string, string> {
  const keys = new Map<string, string>();
  const call = /\b(?:t|translatable)\(\s*(['"])((?:\\.|(?!\1).)*)\1/g;
  for (const file of sourceFiles(root)) {
    // Comments may show a call as an example; only code counts.
    const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const match of text.matchAll(call)) {
      const key = match[2]!.replace(/\\(.)/g, '$1');
      if (!keys.has(key)) keys.set(key, path.relative(root, file));
    }
  }
  return keys;
}

function sourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.tsx?$/.test(entry.name) && !file.includes(`${path.sep}catalogue${path.sep}`)) files.push(file);
    }
  };
  walk(path.join(root, 'gateway'));
  walk(path.join(root, 'views'));
  return files;
}
