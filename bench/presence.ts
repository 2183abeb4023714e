// `npm run bench -- presence`: how long `presence list` takes with 1,000 registered users, on both directory
// backends. Target (issue 4): under 300 ms. "module" rows time Directory.list() in-process (median of RUNS);
// "cli" rows time a whole `ivc presence list --json` process, Node start-up included (needs dist/, i.e. a build).
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {createLogger} from '../src/foundation/logger.js'
import {openDirectory} from '../src/directory/open.js'
import type {Directory} from '../src/directory/types.js'
import {startMongoServer} from '../test/support/mongo-server.js'
import {startRedisServer} from '../test/support/redis-server.js'
import type {Row, Suite} from './run.js'
import {BENCH_CONFIG_HOME} from './config-home.js'

const USERS = 1000
const RUNS = 15
const TARGET_MS = 300
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

async function measure(label: string, directoryArg: string, redisUrl: string): Promise<Row[]> {
  const logger = createLogger('warn', 'bench')
  const directories: Directory[] = []
  const open = async () => {
    const directory = await openDirectory({directory: directoryArg, redis: redisUrl, logger})
    directories.push(directory)
    return directory
  }

  try {
    const writer = await open()
    for (let at = 0; at < USERS; at += 100) {
      await Promise.all(Array.from({length: 100}, (_, index) => writer.register({name: `user${String(at + index).padStart(4, '0')}`, address: `10.0.${Math.floor((at + index) / 250)}.${(at + index) % 250}`, ports: {call: 7000}, version: '0.1.0'})))
    }

    const reader = await open()
    const times: number[] = []
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now()
      const listed = await reader.list()
      times.push(performance.now() - started)
      if (listed.length !== USERS) throw new Error(`${label}: listed ${listed.length} users, expected ${USERS}`)
    }

    times.sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)]
    const rows: Row[] = [{backend: label, via: 'module', users: USERS, runs: RUNS, 'median ms': median, 'min ms': times[0], 'max ms': times.at(-1)!, 'target ms': TARGET_MS, 'under target': median < TARGET_MS ? 'yes' : 'NO'}]
    if (existsSync(new URL('../dist/commands', import.meta.url))) {
      const started = performance.now()
      // Asynchronous: the test MongoDB server answers from this very process.
      const {stdout: out} = await promisify(execFile)('node', [BIN, 'presence', 'list', '--json', '--redis', redisUrl, '--directory', directoryArg], {env: {...process.env, XDG_CONFIG_HOME: BENCH_CONFIG_HOME}, maxBuffer: 64 * 1024 * 1024})
      const elapsed = performance.now() - started
      if (JSON.parse(out).length !== USERS) throw new Error(`${label}: the CLI did not list ${USERS} users`)
      rows.push({backend: label, via: 'cli (incl. node start-up)', users: USERS, runs: 1, 'median ms': elapsed, 'min ms': elapsed, 'max ms': elapsed, 'target ms': null, 'under target': null})
    }

    return rows
  } finally {
    await Promise.all(directories.map((directory) => directory.close()))
  }
}

export const presenceSuite: Suite = {
  name: 'presence',
  description: `presence list of ${USERS} registered users, Redis and MongoDB directories (target < ${TARGET_MS} ms)`,
  async run() {
    const redis = await startRedisServer()
    const mongo = await startMongoServer()
    try {
      const rows = [
        ...(await measure('redis', 'redis', redis.url)),
        ...(await measure('mongodb (test wire server)', `${mongo.url}/ivc_bench`, redis.url)),
      ]
      const real = process.env.IVC_TEST_MONGO_URL
      if (real) rows.push(...(await measure('mongodb (IVC_TEST_MONGO_URL)', real, redis.url)))
      return rows
    } finally {
      await Promise.all([redis.stop(), mongo.stop()])
    }
  },
}
