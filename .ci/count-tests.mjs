// Prints "tests: N passed, N failed" from vitest JSON reports and exits 1 when anything failed.
// Failed = failed tests + suites (files) that failed without a failed test of their own (e.g. a
// failing beforeAll skips every test of the file) + a report that is missing or unreadable.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const path of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.error(`no readable test report at ${path}`);
    failed += 1;
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const suite of report.testResults ?? []) {
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed').length;
    if (suite.status === 'failed' && failedTests === 0) {
      console.error(`suite failed before its tests: ${suite.name}`);
      failed += 1;
    }
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
