// `npm test` after the build: vitest, and beside it ESLint and the type check (`npm run typecheck`); it fails if any
// fails. Each check is one single-threaded process of ~20 s; the suite leaves about a quarter of the two cores idle
// (tests waiting for peers, timeouts and browsers), which the checks fill instead of adding their time before the
// first test (the build only strips types: scripts/compile.mjs). The checks' reports are held back and printed after
// vitest's, so they never interleave.
import {spawn} from 'node:child_process'

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname

/** Run a check to its end, its output kept for later. */
function check(name, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', (error) => resolve({name, code: 1, output: `${name} did not start: ${error.message}\n`}))
    child.on('close', (code, signal) => resolve({name, code: code ?? 1, output: signal ? `${output}${name} ended by ${signal}\n` : output}))
  })
}

const checks = [check('eslint', bin('eslint'), ['.']), check('typecheck', 'npm', ['run', '--silent', 'typecheck'])]

const tests = new Promise((resolve) => {
  const child = spawn(bin('vitest'), ['run', ...process.argv.slice(2)], {stdio: 'inherit'})
  child.on('error', () => resolve(1))
  child.on('close', (code) => resolve(code ?? 1))
})

const testCode = await tests
let checksCode = 0
for (const {name, code, output} of await Promise.all(checks)) {
  process.stdout.write(code === 0 ? `${name}: no problems\n` : `${name} found problems:\n${output}`)
  if (code !== 0) checksCode = code
}

process.exit(testCode !== 0 ? testCode : checksCode)
