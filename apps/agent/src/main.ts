#!/usr/bin/env node
import { processOutput, runCli } from '@upkeep/cli-kit';
import { buildAgentProgram } from './cli/agent-program.ts';
import { readAgentEnvironment } from './cli/agent-environment.ts';

const env = readAgentEnvironment(
  process.env,
  process.cwd(),
  { stderrIsTty: process.stderr.isTTY, columns: process.stderr.columns },
  process.getuid?.() === 0,
);
process.exitCode = await runCli(
  (setExitCode) =>
    buildAgentProgram({
      env,
      out: processOutput,
      setExitCode,
      terminal: env.stderrIsTty
        ? {
            columns: env.terminalColumns,
            write: (text) => process.stderr.write(text),
          }
        : null,
    }),
  process.argv.slice(2),
  { out: processOutput, debug: env.debug },
);
