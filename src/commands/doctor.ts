import {IvcCommand} from '../cli/base-command.js'
import {renderDoctor, runDoctor} from '../diagnostics/doctor.js'
import {IvcError} from '../foundation/errors.js'

export default class Doctor extends IvcCommand<typeof Doctor> {
  static override summary = 'Check what ivc can use on this machine: Redis and every media/directory backend.'
  static override description =
    'Probes the local Redis (the bus every component talks through) and each backend: sources, sinks, codecs and ' +
    'directories. A backend that cannot run here is shown with the exact command that installs it. Exits with ' +
    'REDIS_UNREACHABLE (10) when Redis is down, else 0; a missing optional backend is reported, not an error.'

  static override examples = [
    {description: 'Human-readable report', command: '<%= config.bin %> doctor'},
    {description: 'For scripts', command: '<%= config.bin %> doctor --json | jq ".backends[] | select(.ok == false)"'},
    {description: 'Check another Redis', command: '<%= config.bin %> doctor --redis unix:///run/redis/redis.sock'},
  ]

  async run(): Promise<void> {
    const report = await runDoctor({redis: this.flags.redis, config: this.config, logger: this.logger})
    this.output(report, () => renderDoctor(report))
    if (!report.redis.ok) this.failAfterOutput(new IvcError('REDIS_UNREACHABLE', report.redis.detail))
  }
}
