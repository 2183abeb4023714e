import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real processes and sockets: two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: {json: 'test-results.json'},
  },
})
