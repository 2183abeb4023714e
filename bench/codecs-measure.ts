// What the `codecs` suite's rows share: percentiles, CPU of this process and of a child, RSS, the quality of decoded
// frames against the sent ones (FFmpeg's ssim and psnr filters), install sizes.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {execa} from 'execa'

const TICKS_PER_SECOND = 100 // Linux USER_HZ

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

export const round = (value: number | null, digits = 2): number | null => (value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits)

/** Milliseconds since an arbitrary start, with sub-microsecond resolution. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

/** CPU milliseconds (user + system) this process has used so far, all its threads (x264's included). */
export function ownCpuMs(): number {
  const {user, system} = process.cpuUsage()
  return (user + system) / 1000
}

/** CPU milliseconds a child process has used so far (utime + stime from /proc), or NaN once it is gone. */
export function childCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000
  } catch {
    return Number.NaN
  }
}

/** A child's peak resident set (VmHWM), in MB, or NaN once it is gone. */
export function childPeakRssMb(pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

export const rssMb = (): number => process.memoryUsage().rss / 2 ** 20

/** Tracks how far this process's RSS rises above where it stood at construction (sampled at each `sample()`). */
export class RssRise {
  readonly #base = rssMb()
  #peak = this.#base
  sample(): void {
    this.#peak = Math.max(this.#peak, rssMb())
  }

  get mb(): number {
    this.sample()
    return this.#peak - this.#base
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * SSIM and PSNR (dB) of the luma of `decoded` against `sent`, both raw bgr24 files of the same frames, by
 * FFmpeg's own filters: the numbers anyone can reproduce with the same command.
 */
export async function quality(sent: string, decoded: string, width: number, height: number): Promise<{ssim: number | null; psnr: number | null}> {
  const raw = ['-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-r', '30']
  const result = await execa(
    'ffmpeg',
    // Both in 4:4:4 YUV, so the luma plane is compared as it was sent, whatever chroma the codec kept.
    ['-hide_banner', '-nostats', ...raw, '-i', decoded, ...raw, '-i', sent, '-filter_complex', '[0:v]format=yuv444p,split[d0][d1];[1:v]format=yuv444p,split[s0][s1];[d0][s0]ssim;[d1][s1]psnr', '-f', 'null', '-'],
    {reject: false},
  )
  const ssim = /SSIM Y:([\d.]+)/.exec(result.stderr)
  const psnr = /PSNR y:([\d.]+|inf)/.exec(result.stderr)
  return {ssim: ssim ? Number(ssim[1]) : null, psnr: psnr ? (psnr[1] === 'inf' ? Number.POSITIVE_INFINITY : Number(psnr[1])) : null}
}

/** Disk use of node_modules/<each package>, in MB (du -sk); packages not installed count 0. */
export function installMb(...packages: string[]): number | null {
  let kb = 0
  for (const name of packages) {
    try {
      kb += Number(execFileSync('du', ['-sk', `node_modules/${name}`], {encoding: 'utf8'}).split('\t')[0])
    } catch {
      // not installed
    }
  }

  return kb === 0 ? null : round(kb / 1024, 1)
}

/** Installed-Size of Debian packages (dpkg), in MB: those installed here that the ffmpeg child needs for these codecs. */
export function debianMb(...packages: string[]): number | null {
  try {
    const out = execFileSync('dpkg-query', ['-W', '-f=${Installed-Size}\n', ...packages], {encoding: 'utf8'})
    return round(out.trim().split('\n').reduce((sum, line) => sum + Number(line || 0), 0) / 1024, 1)
  } catch {
    return null
  }
}
