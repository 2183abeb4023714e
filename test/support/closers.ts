import {afterEach} from 'vitest'

/**
 * What a test opened (servers, sockets, processes), closed after each test, last opened first. Call once at the top
 * of a test file; push a closer for everything the test opens.
 */
export function closeAfterEach(): Array<() => unknown> {
  const closers: Array<() => unknown> = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  return closers
}
