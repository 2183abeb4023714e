import {audioSuite} from './audio.js'
import {callSetupSuite} from './call-setup.js'
import {codecsSuite} from './codecs.js'
import {presenceSuite} from './presence.js'
import type {Suite} from './run.js'
import {startupSuite} from './startup.js'
import {uiSuite} from './ui.js'
import {videoSuite} from './video.js'

// Each feature adds its suite here (one import, one entry).
export const suites: Suite[] = [presenceSuite, audioSuite, videoSuite, startupSuite, callSetupSuite, uiSuite, codecsSuite]
