// Prints vitest's JSON report as the one line CI reads: "N passed, N failed".
import {readFileSync} from 'node:fs'

const file = process.argv[2] ?? 'test-results.json'
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.error(`test-summary: no readable vitest JSON report at ${file}: ${error.message}`)
  console.log('0 passed, 1 failed')
  process.exit(0)
}

// A suite that fails to load counts as a failure even though it ran no test.
const brokenSuites = report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length
console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenSuites} failed`)
