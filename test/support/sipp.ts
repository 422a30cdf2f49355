/** SIPp for tests: the runner shared with the SIP benchmark (src/bench/sipp.ts). */
export {
  SCENARIOS,
  describeRun,
  exitMeaning,
  killAllSipp,
  runSipp,
  scenario,
  startSipp,
  type RunningSipp,
  type SippOptions,
  type SippResult,
} from '../../src/bench/sipp.js';
