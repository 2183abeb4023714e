import type {ListrTask} from 'listr2'

import {runSteps} from './progress.js'

/**
 * `ivc call`'s progress on stderr (listr2): connect, ring, answer, media up, then the call itself until it ends.
 * Fed with the call's events; a call that ends early fails the step it was on, with the reason.
 */
/** The stages of a call in order; `call.ended` is not one (it fails the stage in progress, unless it is the last). */
const STAGES = ['lookup', 'call.ringing', 'call.started', 'call.media-up']

export class CallProgress {
  readonly #seen = new Map<string, Record<string, unknown>>()
  readonly #waiters = new Map<string, Array<() => void>>()

  /** The call could not go on (an error before it ended normally): fail the step it was on. */
  fail(error: Error): void {
    if (!this.#seen.has('call.ended')) this.event('call.ended', {reason: error.message})
  }

  /** A call event (or `lookup` when the directory answered). */
  event(type: string, body: Record<string, unknown> = {}): void {
    this.#seen.set(type, body)
    for (const wake of [...this.#waiters.values()].flat()) wake()
  }

  /** `untilMediaUp`: end the list once media is up (the call terminal shows the call from there). */
  run(peer: string, onCallLine: (set: (line: string) => void) => void, options: {untilMediaUp?: boolean} = {}): Promise<unknown> {
    const step = (title: string, until: string): ListrTask<object> => ({title, task: () => this.#until(until)})
    return runSteps<object>(
      [
        step(`look ${peer} up in the directory`, 'lookup'),
        step(`connect to ${peer} and ring`, 'call.ringing'),
        step(`${peer} answers`, 'call.started'),
        step('media up: video and audio both ways', 'call.media-up'),
        ...(options.untilMediaUp ? [] : [{
          title: `in a call with ${peer} (Ctrl-C hangs up)`,
          task: async (_, task) => {
            onCallLine((line) => (task.output = line))
            await this.#ended()
            const ended = this.#seen.get('call.ended')!
            task.title = `call with ${peer} ended: ${String(ended.reason)}`
          },
        } satisfies ListrTask<object>]),
      ],
      {},
    ).catch(() => undefined)
  }

  #ended(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#seen.has('call.ended')) resolve()
      }

      this.#waiters.set('call.ended', [...(this.#waiters.get('call.ended') ?? []), check])
      check()
    })
  }

  /** Resolves when `type` has been seen; rejects with the end reason if the call ends first. */
  #until(type: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        // A later stage implies this one (after glare the call we take never rang on our side).
        if (STAGES.slice(STAGES.indexOf(type)).some((stage) => this.#seen.has(stage))) return resolve()
        const ended = this.#seen.get('call.ended')
        if (ended) reject(new Error(String(ended.reason ?? ended.code)))
      }

      const list = this.#waiters.get(type) ?? []
      list.push(check)
      this.#waiters.set(type, list)
      check()
    })
  }
}
