import type {Clock} from '../foundation/clock.js'
import type {Logger} from '../foundation/logger.js'

/**
 * Admission of connections not yet authenticated, for every port ivc listens on (signalling, control, media): at
 * most `maxPending` of them at once in all and `maxPendingPerSource` from one address, and each gets `deadlineMs`
 * to complete its first message (a media hello and its TLS, a control auth, a signalling invite) before it is
 * dropped. Without it a stranger holds a file descriptor per idle or slow (one byte a second) connection for as long
 * as it likes. Pure: the listener feeds it events (a connection came, it authenticated, it closed) and it answers,
 * timing deadlines on the injected clock, so tests drive it by hand.
 */
export interface AdmissionLimits {
  /** Unauthenticated connections at once, from every address together. */
  maxPending: number
  /** Unauthenticated connections at once from one address. */
  maxPendingPerSource: number
  /** From accept to the first complete message. */
  deadlineMs: number
}

/** What was refused or dropped, for logs and stats: a count per way. */
export interface AdmissionStats {
  /** Unauthenticated connections open right now. */
  pending: number
  admitted: number
  authenticated: number
  refusedPerSource: number
  refusedTotal: number
  /** Dropped at the deadline. */
  expired: number
}

export type Refusal = 'per-source' | 'total'

/** One admitted connection, until it settles: authenticated, or gone (closed, refused by the protocol). */
export interface PendingConnection {
  /** It completed its first message: it no longer counts against the limits. Idempotent, as is `gone`. */
  authenticated(): void
  /** It closed or was refused before authenticating. */
  gone(): void
}

export type AdmitResult = {admitted: true; connection: PendingConnection} | {admitted: false; refusal: Refusal; reason: string}

export class Admission {
  readonly #perSource = new Map<string, number>()
  readonly #stats: AdmissionStats = {pending: 0, admitted: 0, authenticated: 0, refusedPerSource: 0, refusedTotal: 0, expired: 0}

  constructor(
    readonly limits: AdmissionLimits,
    private readonly clock: Clock,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`admission: ${name} must be a positive integer, got ${value}`)
    }
  }

  get stats(): AdmissionStats {
    return {...this.#stats}
  }

  /**
   * A connection from `source` arrived. Refused: close it at once (nothing was read, so nothing is owed). Admitted:
   * `onExpired` is called once if it has not settled within the deadline; the caller then closes it.
   */
  admit(source: string, onExpired: (reason: string) => void): AdmitResult {
    const fromSource = this.#perSource.get(source) ?? 0
    if (fromSource >= this.limits.maxPendingPerSource) {
      this.#stats.refusedPerSource += 1
      return {admitted: false, refusal: 'per-source', reason: `${fromSource} connections from ${source} are already waiting to authenticate (limit ${this.limits.maxPendingPerSource})`}
    }

    if (this.#stats.pending >= this.limits.maxPending) {
      this.#stats.refusedTotal += 1
      return {admitted: false, refusal: 'total', reason: `${this.#stats.pending} connections are already waiting to authenticate (limit ${this.limits.maxPending})`}
    }

    this.#perSource.set(source, fromSource + 1)
    this.#stats.pending += 1
    this.#stats.admitted += 1
    let settled = false
    const settle = () => {
      if (settled) return false
      settled = true
      this.clock.clearTimeout(timer)
      this.#stats.pending -= 1
      const left = this.#perSource.get(source)! - 1
      if (left === 0) this.#perSource.delete(source)
      else this.#perSource.set(source, left)
      return true
    }

    const timer = this.clock.setTimeout(() => {
      if (!settle()) return
      this.#stats.expired += 1
      onExpired(`no complete first message within ${this.limits.deadlineMs} ms`)
    }, this.limits.deadlineMs)
    return {
      admitted: true,
      connection: {
        authenticated: () => {
          if (settle()) this.#stats.authenticated += 1
        },
        gone: () => void settle(),
      },
    }
  }
}

/**
 * Signalling and control: a legitimate peer has one connection waiting (two in a glare), and sends its first
 * message (the invite; TLS then auth) at once, so a few seconds cover a slow link's retransmits.
 */
export const FRAMED_ADMISSION: AdmissionLimits = {maxPending: 64, maxPendingPerSource: 4, deadlineMs: 5000}

/**
 * Media receivers: one sender opens up to 64 connections at once (--connections), all waiting for their hello and
 * TLS together, so a source may have that many pending; twice that in all lets a real sender in beside a stranger.
 */
export const MEDIA_ADMISSION: AdmissionLimits = {maxPending: 128, maxPendingPerSource: 64, deadlineMs: 5000}

/**
 * Refusals and drops are logged at debug one by one, and as a warning at the 1st, 10th, 100th... of each kind: a
 * flood of a thousand connections is four lines, not a thousand, and the counts still say how big it was.
 */
export function dropLog(logger: Logger, what: string): {note(kind: 'refused' | 'expired', line: string): void} {
  const counts = {refused: 0, expired: 0}
  return {
    note(kind, line) {
      counts[kind] += 1
      const n = counts[kind]
      if (/^10*$/.test(String(n))) logger.warn(`${what}: ${line} (${n} ${kind} so far)`)
      else logger.debug(`${what}: ${line}`)
    },
  }
}
