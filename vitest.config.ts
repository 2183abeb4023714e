import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Safety nets, not measurements: a test of real processes on a loaded two-core machine may take many times its
    // quiet time (a doctor run alone takes 3 s quiet, over 10 s at load 15).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Two test files at a time, one per core: most of a file's time is its processes starting, handshaking and
    // waiting for events (a call, a stall, a timeout), so one file at a time left a core idle for much of the run.
    // Tests wait for events, never for time, so a file does not need a core to itself; runs under `stress --cpu 1`
    // (issue 12's notes) check that on a busier host.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: {json: 'test-results.json'},
  },
})
