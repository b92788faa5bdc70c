#!/usr/bin/env node
import { processOutput, runCli } from '@upkeep/cli-kit';
import { readCliEnvironment } from './cli-environment.ts';
import { buildProgram } from './program.ts';

const env = readCliEnvironment(process.env, process.cwd());
process.exitCode = await runCli(
  (setExitCode) => buildProgram({ env, out: processOutput, setExitCode }),
  process.argv.slice(2),
  { out: processOutput, debug: env.debug },
);
