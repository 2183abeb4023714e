export {FreezeDetector} from './freeze-detector.js'
export {Percentiles, round1} from './percentiles.js'
export {RateMeter} from './rate-meter.js'
