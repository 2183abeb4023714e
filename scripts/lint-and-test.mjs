// `npm test` after the build: ESLint and vitest at once, and it fails if either fails. Lint is one single-threaded
// process of ~20 s; the suite leaves about a quarter of the two cores idle (tests waiting for peers, timeouts and
// browsers), which lint fills instead of adding its time before the first test. Lint's report is held back and
// printed after vitest's, so the two never interleave.
import {spawn} from 'node:child_process'

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname

const lint = new Promise((resolve) => {
  const child = spawn(bin('eslint'), ['.'], {stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  child.on('error', (error) => resolve({code: 1, output: `eslint did not start: ${error.message}\n`}))
  child.on('close', (code, signal) => resolve({code: code ?? 1, output: signal ? `${output}eslint ended by ${signal}\n` : output}))
})

const tests = new Promise((resolve) => {
  const child = spawn(bin('vitest'), ['run', ...process.argv.slice(2)], {stdio: 'inherit'})
  child.on('error', () => resolve(1))
  child.on('close', (code) => resolve(code ?? 1))
})

const testCode = await tests
const {code: lintCode, output} = await lint
process.stdout.write(lintCode === 0 ? 'eslint: no problems\n' : `eslint found problems:\n${output}`)
process.exit(testCode !== 0 ? testCode : lintCode)
