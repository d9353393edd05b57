import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, SHOTS, takeScreenshots } from './screenshots.js';

// CI installs chromium; without it the README's screenshots cannot be taken.
describe.skipIf(!fs.existsSync(CHROMIUM))('README screenshots', () => {
  it('the screenshot script renders every page it documents', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recourse-shots-'));
    try {
      const files = await takeScreenshots(dir);
      expect(files.map((f) => path.basename(f, '.png'))).toEqual([...SHOTS]);
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        expect(bytes.length).toBeGreaterThan(5_000);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
