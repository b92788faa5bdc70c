export { MAX_INPUT_FILE_BYTES, readInputFile } from './config-file.repository.ts';
export { EXIT, exitCodeFor, type ExitCode } from './exit-code.ts';
export { runCli, type RunCliOptions, type SetExitCode } from './run-cli.ts';
export { printResult, processOutput, reportError, type OutputPort } from './output.ts';
export { formatDecision } from './format-decision.ts';
