// Adds up vitest's JSON reports and the smoke test's own summary lines into one closing line.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of fs.readdirSync(dir)) {
  const file = path.join(dir, name);
  if (name.endsWith('.json')) {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A file that failed with no failed test (it did not load, or a before/after hook threw or
    // timed out) counts once.
    failed += report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')).length;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if (report.numTotalTests === 0) failed += 1;
  } else if (name.startsWith('smoke')) {
    const line = fs.readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
    const match = /^(\d+) passed, (\d+) failed$/.exec(line);
    if (match) {
      passed += Number(match[1]);
      failed += Number(match[2]);
    } else failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
