import {Listr, ListrLogger, type ListrTask, ProcessOutput} from 'listr2'

/**
 * Multi-step work shows its progress with listr2 on stderr (stdout stays data): the live renderer on a terminal,
 * one line per step otherwise.
 */
export async function runSteps<Ctx extends object>(tasks: ListrTask<Ctx>[], context: Ctx): Promise<Ctx> {
  const logger = new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr)})
  const list = new Listr<Ctx>(tasks, {
    concurrent: false,
    exitOnError: true,
    ctx: context,
    // Ctrl-C is the command's to handle (clean shutdown), not listr2's.
    registerSignalListeners: false,
    rendererOptions: {logger, collapseSubtasks: false},
    fallbackRendererOptions: {logger},
    fallbackRendererCondition: () => !process.stderr.isTTY,
  })
  return list.run()
}
