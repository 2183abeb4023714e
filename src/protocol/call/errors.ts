/**
 * Every way bytes on a call signalling or control connection can be wrong, one class each, so a receiver can log
 * the exact reason and close. The texts are part of the contract: tests pin them.
 */
export type FrameErrorCode = 'BAD_MAGIC' | 'BAD_VERSION' | 'UNKNOWN_TYPE' | 'OVERSIZE' | 'BAD_BODY' | 'TRUNCATED'

export class FrameError extends Error {
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message)
    this.name = new.target.name
  }
}

const hex = (bytes: Iterable<number>) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')

export class BadMagicError extends FrameError {
  /** `got` holds the received bytes up to and including the first wrong one, so the text never depends on chunking. */
  constructor(protocol: string, expected: Buffer, got: Buffer) {
    super('BAD_MAGIC', `${protocol}: bad magic: expected ${hex(expected)} ("${expected.toString('latin1')}"), got ${hex(got)}`)
  }
}

export class BadVersionError extends FrameError {
  constructor(protocol: string, got: number, expected: number) {
    super('BAD_VERSION', `${protocol}: unsupported version ${got} (this ivc speaks version ${expected})`)
  }
}

export class UnknownTypeError extends FrameError {
  constructor(protocol: string, type: number) {
    super('UNKNOWN_TYPE', `${protocol}: unknown message type 0x${type.toString(16).padStart(2, '0')}`)
  }
}

export class OversizeError extends FrameError {
  constructor(protocol: string, length: number, limit: number) {
    super('OVERSIZE', `${protocol}: body of ${length} bytes exceeds the ${limit}-byte limit`)
  }
}

export class BadBodyError extends FrameError {
  constructor(protocol: string, type: string, reason: string) {
    super('BAD_BODY', `${protocol}: bad ${type} body: ${reason}`)
  }
}

export class TruncatedError extends FrameError {
  constructor(protocol: string, part: 'header' | 'body', have: number, want: number) {
    super('TRUNCATED', `${protocol}: stream ended inside a frame (${have} of ${want} ${part} bytes)`)
  }
}
