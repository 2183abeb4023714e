// Sums a `node --cpu-prof` profile's self time by function and by file, so a media process's steady state can be read
// at a glance (issue 12). Usage: node scripts/cpuprofile-top.mjs FILE.cpuprofile [SKIP_SECONDS] [TOP]
// SKIP_SECONDS leaves out the start (module loading, connecting). Only the main thread's JavaScript is sampled: work
// on libuv's thread pool (JPEG encode/decode) and in the kernel shows as (idle); /proc/PID/task/*/stat or perf see it.
// Profile a component as it runs (through the bundle; Node 20 refuses --cpu-prof in NODE_OPTIONS):
//   node --cpu-prof --cpu-prof-dir=/tmp/prof ./bin/run.js stream-video ...   (the profile is written when it exits)
import {readFileSync} from 'node:fs'

const [file, skipSeconds = '0', top = '30'] = process.argv.slice(2)
if (!file) {
  console.error('usage: node scripts/cpuprofile-top.mjs FILE.cpuprofile [SKIP_SECONDS] [TOP]')
  process.exit(2)
}

const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map()
let at = profile.startTime
let totalUs = 0
for (const [index, id] of profile.samples.entries()) {
  at += profile.timeDeltas[index]
  if (at - profile.startTime < Number(skipSeconds) * 1e6) continue
  selfUs.set(id, (selfUs.get(id) ?? 0) + profile.timeDeltas[index])
  totalUs += profile.timeDeltas[index]
}

const byFunction = new Map()
const byFile = new Map()
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us)
for (const [id, us] of selfUs) {
  const {functionName, url, lineNumber} = nodes.get(id).callFrame
  const where = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist|src)\//, '$1/')
  add(byFunction, `${functionName || '(anonymous)'}  ${where}${where ? `:${lineNumber + 1}` : ''}`, us)
  add(byFile, where || functionName, us)
}

console.log(`${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${(totalUs / 1e6).toFixed(2)} s sampled after ${skipSeconds} s`)
for (const [title, map] of [['self time by function', byFunction], ['self time by file', byFile]]) {
  console.log(`-- ${title}`)
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${key}`)
  }
}
