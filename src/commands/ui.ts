import * as Flags from '@oclif/core/flags'

import {IvcCommand} from '../cli/base-command.js'
import {callFlags, DEFAULT_CALL_PORT} from '../call/flags.js'
import {directoryFlags, openDirectoryFromFlags} from '../directory/flags.js'
import {listenArgs} from '../ui/listen-args.js'
import {browserOpener, openInBrowser} from '../ui/open-browser.js'
import {startUi} from '../ui/run-ui.js'

export default class Ui extends IvcCommand<typeof Ui> {
  static override summary = 'The call app in your browser: go online, see who is, call, answer, talk, chat.'
  static override description =
    'Serves the four screens of the app (Home with the people online, Calling, Incoming, On call) on 127.0.0.1 and ' +
    'prints the URL to open, with a token for this run: the page and its WebSocket refuse anything without it. ' +
    'Drives the user\'s `ivc listen` (started here with the call and directory flags below, or the one already ' +
    'running for --user) over the bus, as `ivc call` and `ivc control` do. Opens the browser when there is a display ' +
    'and xdg-open (--no-open: only print the URL). Keys on the page: m mute, v video, h hang up, Enter accept.'

  static override examples = [
    {description: 'Go online as alice and open the app', command: '<%= config.bin %> ui --user alice'},
    {description: 'On a fixed port, without opening a browser', command: '<%= config.bin %> ui --user bob --port 8080 --no-open'},
  ]

  static override flags = {
    ...directoryFlags,
    ...callFlags,
    'video-sink': Flags.string({env: 'IVC_VIDEO_SINK', default: 'ui', helpGroup: 'MEDIA', description: 'Where the peer\'s video plays: ui (this page), or another sink of ivc listen (ffplay, null, file).'}),
    'audio-sink': Flags.string({env: 'IVC_AUDIO_SINK', default: 'ui', helpGroup: 'MEDIA', description: 'Where the peer\'s audio plays: ui (this page), or another sink of ivc listen (speaker, ffplay, null, file).'}),
    'self-view': Flags.boolean({env: 'IVC_SELF_VIEW', default: true, allowNo: true, helpGroup: 'MEDIA', description: 'Show what you send in the corner of the peer\'s video (in a window of its own with another --video-sink).'}),
    port: Flags.integer({env: 'IVC_UI_PORT', default: 0, min: 0, max: 65_535, description: 'Port of the app on 127.0.0.1 (0: any free one).'}),
    // ivc listen's --port (and its IVC_CALL_PORT), named apart from this command's own --port, the page's.
    'call-port': Flags.integer({env: 'IVC_CALL_PORT', default: DEFAULT_CALL_PORT, min: 0, max: 65_535, description: 'Port for incoming calls of the ivc listen started here, its --port (0: any free one; an ivc listen already running keeps its own).'}),
    open: Flags.boolean({default: true, allowNo: true, description: 'Open the app in the browser (xdg-open), when there is a display.'}),
  }

  async run(): Promise<{url: string}> {
    const user = this.requireUser()
    const {flags} = this
    const directory = await openDirectoryFromFlags(flags, this.logger)
    this.lifecycle.onShutdown('directory', () => directory.close())
    const ui = await startUi({user, redis: flags.redis, port: flags.port, listenArgs: listenArgs(flags), directory, logger: this.logger})
    this.lifecycle.onShutdown('ui', () => ui.close())
    this.output({event: 'serving', user, url: ui.url}, () => `${user}'s ivc: open ${ui.url}\n`)
    const opener = flags.open ? browserOpener() : undefined
    if (opener) openInBrowser(opener, ui.url)
    await this.lifecycle.untilStopped()
    // Last, as a stream component's summary: what the page path added to the peer's video over the run.
    const pagePath = ui.pageLatency.summary()
    this.output({event: 'summary', pagePath}, () => `page path: ${pagePath.painted} frames painted, hand-over → painted p50 ${pagePath.latencyMs.p50} / p95 ${pagePath.latencyMs.p95} ms\n`)
    return {url: ui.url}
  }
}
