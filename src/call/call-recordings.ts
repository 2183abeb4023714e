import type {TopicType} from '../bus/messages.js'
import {IvcError} from '../foundation/errors.js'
import type {Logger} from '../foundation/logger.js'
import type {CallMediaSession} from './component-media.js'
import type {Bus} from '../bus/bus.js'

/** The call in progress as a recording needs it: its id, its peer and its components. */
export interface RecordableCall {
  callId: string
  peer: string
  session: CallMediaSession
}

export interface CallRecordingsOptions {
  /** The local user: who records when we do. */
  user: string
  bus: Pick<Bus, 'request'>
  logger: Logger
  /** Publishes a call event (the driver's, so `call.recording` goes where every call event goes). */
  emit: (event: TopicType<'call'>, callId: string, body: Record<string, unknown>) => void
}

/**
 * The driver's recording part: starts and stops the recording of the call in progress (its components tee their
 * frames to the recorder, recording.ts), tells the peer over the control connection, and remembers who recorded each
 * call for its summary, and the file a call placed with `--record` goes into once it begins.
 */
export class CallRecordings {
  /** Who recorded each call in progress (us or the peer), for its summary. */
  readonly #recordedBy = new Map<string, string>()
  /** The file each call placed with `record` is recorded into once it begins. */
  readonly #fromStart = new Map<string, string>()

  constructor(private readonly options: CallRecordingsOptions) {}

  /** Record the call `callId` into `file` as soon as its media begins (`ivc call --record`). */
  recordFromStart(callId: string, file: string): void {
    this.#fromStart.set(callId, file)
  }

  /** The call's media began: start the recording asked for at its start, if any. A failure is logged, not thrown. */
  async begin(call: RecordableCall): Promise<void> {
    const file = this.#fromStart.get(call.callId)
    this.#fromStart.delete(call.callId)
    if (file !== undefined) await this.start(call, file).catch((error: Error) => this.options.logger.warn(`the call is not recorded: ${error.message}`))
  }

  /** The peer started or stopped recording the call (its control message `recording`). */
  peerRecording(callId: string, peer: string, on: boolean): void {
    if (on) this.#recordedBy.set(callId, peer)
    this.options.emit('call.recording', callId, {peer, on, by: peer})
  }

  /** RECORD_FAILED when the call is already recorded or `file` cannot be written. Returns the file recorded into. */
  async start({callId, peer, session}: RecordableCall, file: string): Promise<string> {
    if (session.recordingFile !== undefined) throw new IvcError('RECORD_FAILED', `the call is already being recorded to ${session.recordingFile}`, {suggestion: 'Stop that recording first: ivc control record stop.'})
    await session.startRecording(file)
    const recording = session.recordingFile!
    this.#recordedBy.set(callId, this.options.user)
    this.options.emit('call.recording', callId, {peer, on: true, by: this.options.user, file: recording})
    await this.#tellPeer(callId, peer, true)
    return recording
  }

  /** RECORD_FAILED when the call is not recorded. Its file is finished when this returns. */
  async stop({callId, peer, session}: RecordableCall): Promise<{file: string; durationMs?: number; streams?: string[]}> {
    const file = session.recordingFile
    if (file === undefined) throw new IvcError('RECORD_FAILED', 'the call is not being recorded', {suggestion: 'Start a recording with ivc control record start FILE.mkv.'})
    const result = await session.stopRecording()
    this.options.emit('call.recording', callId, {peer, on: false, by: this.options.user, file})
    await this.#tellPeer(callId, peer, false)
    return result ?? {file}
  }

  /** The call ended: who recorded it (for its summary), forgotten with the rest of it. */
  ended(callId: string): string | undefined {
    const by = this.#recordedBy.get(callId)
    this.#recordedBy.delete(callId)
    this.#fromStart.delete(callId)
    return by
  }

  /** The peer is told over the control connection that we record the call, or stopped (it shows `call.recording`). */
  async #tellPeer(callId: string, peer: string, on: boolean): Promise<void> {
    try {
      await this.options.bus.request('control', 'control.send', {message: {type: 'recording', on}}, {callId})
    } catch (error) {
      this.options.logger.warn(`telling ${peer} the call is ${on ? '' : 'no longer '}recorded failed: ${(error as Error).message}`)
    }
  }
}
