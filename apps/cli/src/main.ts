#!/usr/bin/env node
import { processOutput, runCli } from '@upkeep/cli-kit';
import { readCliEnvironment } from './cli-environment.ts';
import { buildProgram } from './program.ts';

const env = readCliEnvironment(process.env, process.cwd(), {
  platform: process.platform,
  arch: process.arch,
  // isTTY is undefined, not false, when stderr is a pipe.
  stderrIsTty: (process.stderr.isTTY as boolean | undefined) === true,
});
process.exitCode = await runCli(
  (setExitCode) => buildProgram({ env, out: processOutput, setExitCode }),
  process.argv.slice(2),
  { out: processOutput, debug: env.debug },
);
