// Adds up vitest's JSON reports and the smoke test's own summary lines into one closing line, and
// names every failure just above it: CI's record keeps only the tail of the output.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const root = process.cwd() + path.sep;
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const firstLines = (text, count = 6) => String(text ?? '').split('\n').filter((line) => line.trim() !== '').slice(0, count).map((line) => `      ${line.trim().slice(0, 300)}`).join('\n');

for (const name of fs.readdirSync(dir).sort()) {
  const file = path.join(dir, name);
  if (name.endsWith('.json')) {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    for (const result of report.testResults) {
      const where = `${name.replace(/\.json$/, '')}: ${result.name.replace(root, '')}`;
      for (const test of result.assertionResults.filter((test) => test.status === 'failed')) {
        failures.push(`  ${where} > ${test.fullName}\n${firstLines(test.failureMessages.join('\n'))}`);
      }
      // A file that failed with no failed test (it did not load, or a before/after hook threw or
      // timed out) counts once.
      if (result.status === 'failed' && !result.assertionResults.some((test) => test.status === 'failed')) {
        failed += 1;
        failures.push(`  ${where} (the file failed outside its tests: load, or a before/after hook)\n${firstLines(result.message)}`);
      }
    }
    if (report.numTotalTests === 0) {
      failed += 1;
      failures.push(`  ${name}: no tests ran`);
    }
  } else if (name.startsWith('smoke')) {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const match = /^(\d+) passed, (\d+) failed$/.exec(lines.at(-1) ?? '');
    if (match) {
      passed += Number(match[1]);
      failed += Number(match[2]);
      for (const line of lines.filter((line) => line.startsWith('FAIL'))) failures.push(`  ${name}: ${line}`);
    } else {
      failed += 1;
      failures.push(`  ${name}: ended without its summary line\n${firstLines(lines.slice(-6).join('\n'))}`);
    }
  }
}
if (failures.length > 0) console.log(`\nFailures:\n${failures.join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
