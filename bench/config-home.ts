import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/**
 * The config home (XDG_CONFIG_HOME) of every ivc process a bench run starts: a fresh, empty directory, so nothing of
 * the person's config file or defaults reaches a measurement, and the identities ivc makes on first use (one per
 * user, issue 16) are written here rather than into their home or a made-up path under /.
 */
export const BENCH_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'ivc-bench-config-'))
