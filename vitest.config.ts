import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Safety nets, not measurements: a test of real processes on a loaded two-core machine may take many times its
    // quiet time (a doctor run alone takes 3 s quiet, over 10 s at load 15).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Real processes, sockets and media at 30 fps: on two cores, test files run one at a time so no test starves
    // another of CPU (the whole suite takes about six minutes on a quiet machine).
    maxWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: {json: 'test-results.json'},
  },
})
