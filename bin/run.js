#!/usr/bin/env node
// The components a call spawns (stream-video, stream-audio, control run), and the call components themselves
// (listen, call), start through a lean, bundled path that skips oclif's plugin scan and command lookup: their start-up
// is call set-up time (src/entry/lean-start.ts, scripts/bundle-components.mjs). So do presence and every control action,
// which scripts and tests run many times (half the CPU of an oclif start). Help, version, presence's list/show/watch and
// every other command go through oclif as usual.
// Global flags may come first (`ivc --log-level debug doctor`); the command word must lead for oclif.
const argv = process.argv[2]?.startsWith('-') ? (await import('../dist/entry/global-flags.js')).hoistGlobalFlags(process.argv.slice(2)) : process.argv.slice(2)
const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length)
const help = options.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')
const component = !help && (['stream-video', 'stream-audio', 'listen', 'call', 'control'].includes(argv[0]) || (argv[0] === 'presence' && !['list', 'show', 'watch'].includes(argv[1])))

if (component) {
  // Without the bundle (a tsc-only build), the oclif-based start (src/entry/fast-start.ts) runs unbundled.
  const {runComponent} = await import('../dist/bundle/lean-start.js').catch((error) => {
    if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
    return import('../dist/entry/fast-start.js')
  })
  await runComponent(new URL('..', import.meta.url), argv)
} else {
  const {execute} = await import('@oclif/core')
  await execute({args: argv, dir: import.meta.url})
}
