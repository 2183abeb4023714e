import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real processes, sockets and media at 30 fps: on two cores, test files run one at a time so no test starves
    // another of CPU (the whole suite takes about three minutes).
    maxWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: {json: 'test-results.json'},
  },
})
