// A fresh clone must stand on its own (README: `npm ci && npm test` on any machine): no file the
// repository ships may read from, or point readers to, a folder of the machines it was built on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// `.ci/run` is the one file allowed to name the CI machine's shared folder: it runs the external
// contract smoke test from there.
const EXEMPT = new Set(['.ci/run']);
// The build machines' work folder and the shared folder beside a checkout. Spelled from parts, so
// that this file holds no such path itself and is checked like every other. A slash may be escaped
// (`\/` in a regex literal or a string), which names the same folder.
const [WORK, SHARED] = ['work', 'shared'];
const SLASH = String.raw`\\?/`;
const MACHINE_PATHS = [new RegExp(`${SLASH}${WORK}${SLASH}`), new RegExp(String.raw`\.\.${SLASH}${SHARED}\b`)];

function trackedTextFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return listed.filter((file) => !EXEMPT.has(file) && !/\.(png|mmdb|tgz|ico)$/.test(file) && !file.endsWith('package-lock.json'));
}

describe('the repository names no path of the machines it was built on', () => {
  it('has no machine folder (the work folder, the shared folder beside a checkout) in code, tests, comments or docs', () => {
    const offending: string[] = [];
    for (const file of trackedTextFiles()) {
      const full = path.join(ROOT, file);
      if (!fs.existsSync(full)) continue;
      const text = fs.readFileSync(full, 'utf8');
      text.split('\n').forEach((line, index) => {
        if (MACHINE_PATHS.some((pattern) => pattern.test(line))) offending.push(`${file}:${index + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(offending).toEqual([]);
  });

  it('recognises the folder however its slashes are spelled', () => {
    const spellings = [`/${WORK}/main`, `.replace(/^.*\\/${WORK}\\/main\\//, '')`, `'\\/${WORK}\\/'`, `../${SHARED}/x`, `..\\/${SHARED}`];
    for (const spelling of spellings) expect(MACHINE_PATHS.some((pattern) => pattern.test(spelling)), spelling).toBe(true);
    expect(MACHINE_PATHS.some((pattern) => pattern.test(`/${WORK}er/ and ${WORK}/`))).toBe(false);
  });
});
