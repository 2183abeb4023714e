import {execa} from 'execa'
import {describe, expect, it} from 'vitest'

import {probeOpenCV} from '../../src/plugins/native.js'

const NATIVE = new URL('../../dist/plugins/native.js', import.meta.url).href

/**
 * Issue 14's crash at hang-up, at its root: with @u4/opencv4nodejs's external-memory tracking on (its default), Mats
 * made on libuv's thread pool by *Async calls and freed by the garbage collector abort V8 ("Check failed:
 * marking_done_" in CppHeap::TraceEpilogue, SIGTRAP) within a few hundred calls on the development machine. OpenCV as
 * ivc loads it (plugins/native.ts) must survive thousands. A process of its own: the abort takes the whole process.
 */
const LOOP = `
const {loadOpenCV} = await import(${JSON.stringify(NATIVE)})
const cv = loadOpenCV()
const frame = new cv.Mat(480, 640, cv.CV_8UC3, [10, 20, 30])
const jpeg = cv.imencode('.jpg', frame)
let n = 0
async function worker(k) {
  while (n < 1000) {
    const width = 160 + ((n * 37 + k * 101) % 480)
    // Left to the garbage collector on purpose, as a Mat on an error path or in a plugin would be.
    await frame.resizeAsync(Math.round(width * 0.75), width, 0, 0, cv.INTER_AREA)
    if (n % 4 === 0) await cv.imdecodeAsync(jpeg, cv.IMREAD_UNCHANGED)
    n++
  }
}
await Promise.all([worker(0), worker(1), worker(2)])
console.log(JSON.stringify({n, tracking: cv.isCustomMatAllocatorEnabled()}))
`

describe.runIf(probeOpenCV().ok)('OpenCV as ivc loads it', () => {
  it('survives Mats from async calls freed by the garbage collector (no V8 abort)', async () => {
    const result = await execa('node', ['--input-type=module', '-e', LOOP], {reject: false, timeout: 120_000})
    expect({signal: result.signal, exitCode: result.exitCode, stderr: result.stderr.split('\n').slice(0, 3).join('\n')}).toEqual({signal: undefined, exitCode: 0, stderr: ''})
    expect(JSON.parse(result.stdout)).toEqual({n: expect.any(Number), tracking: false})
  }, 130_000)
})
