#!/usr/bin/env node
// The components a call spawns (stream-video, stream-audio, control run), and the call components themselves
// (listen, call), start through a lean, bundled path that skips oclif's plugin scan and command lookup: their start-up
// is call set-up time (src/entry/lean-start.ts, scripts/bundle-components.mjs). Help, version and every other command
// go through oclif as usual.
// Global flags may come first (`ivc --log-level debug doctor`); the command word must lead for oclif.
const argv = process.argv[2]?.startsWith('-') ? (await import('../dist/entry/global-flags.js')).hoistGlobalFlags(process.argv.slice(2)) : process.argv.slice(2)
const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length)
const help = options.some((arg) => arg === '--help' || arg === '-h' || arg === '--version')
const component = !help && (['stream-video', 'stream-audio', 'listen', 'call'].includes(argv[0]) || (argv[0] === 'control' && argv[1] === 'run'))

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
