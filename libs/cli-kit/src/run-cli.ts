import { CommanderError, type Command } from 'commander';
import { EXIT } from './exit-code.ts';
import { reportError, type OutputPort } from './output.ts';

/** Lets an action report its own exit code (decide's 0/1/2) without exiting. */
export type SetExitCode = (code: number) => void;

export interface RunCliOptions {
  readonly out: OutputPort;
  /** Print stacks of internal errors (UPKEEP_DEBUG=1, read by main at the edge). */
  readonly debug: boolean;
}

function quiet(command: Command, out: OutputPort): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (s) => {
      out.stdout(s);
    },
    writeErr: (s) => {
      out.stderr(s);
    },
  });
  for (const sub of command.commands) quiet(sub, out);
}

/**
 * Runs a commander program and turns every outcome into an exit code: usage
 * mistakes are 64 with commander's own message, Upkeep errors map through
 * `exitCodeFor`, anything else is an internal error with an id.
 */
export async function runCli(
  build: (setExitCode: SetExitCode) => Command,
  argv: readonly string[],
  options: RunCliOptions,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = build((code) => {
    exitCode = code;
  });
  quiet(program, options.out);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shownHelp = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(
        error.code,
      );
      return shownHelp ? EXIT.ok : EXIT.usage;
    }
    return reportError(options.out, argv.includes('--json'), error, options.debug);
  }
}
