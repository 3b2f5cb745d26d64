// The built-in HTTP/1.1 load generator: what the hunt orchestrator and the CLI import.
export { Histogram } from './histogram';
export { formatLoadSummary, type LoadCliOptions, runLoadCli } from './loadCommand';
export { ParseError, ResponseParser } from './parser';
export { type ErrorKind, type LiveLoadStats, LoadRecorder } from './recorder';
export { compileEndpoint, parseHttpUrl, WeightedPicker } from './request';
export { type LoadPhaseOptions, LoadRun, runLoad } from './run';
export {
  loadScenarioFile,
  parseDurationMs,
  parseScenario,
  runScenario,
  type Scenario,
  type ScenarioRunOptions,
  type Stage,
  scenarioEndpoints,
  scenarioSchema,
  scenarioStages,
  validateScenario,
} from './scenario';
