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
    // A worker process runs file after file instead of a new process per file: starting one and importing vitest
    // into it cost ~1 s of CPU per file (107 s of a run's ~550 s, against 69 s shared). The test files keep no state
    // between them that this could leak: they start their own processes and servers, and stop them after.
    isolate: false,
    reporters: ['default', 'json'],
    outputFile: {json: 'test-results.json'},
  },
})
