// Run by devices.ts as a child process: prints the PortAudio device list as one JSON line (see devices.ts for why).
import {toIvcError} from '../../foundation/errors.js'
import {loadNaudiodon} from '../native.js'

try {
  const devices = loadNaudiodon().getDevices()
  process.stdout.write(JSON.stringify({ok: true, devices}) + '\n')
} catch (error) {
  process.stdout.write(JSON.stringify({ok: false, error: toIvcError(error).toJSON()}) + '\n')
}
