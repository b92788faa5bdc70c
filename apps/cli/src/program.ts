import { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { registerChangelog } from './commands/changelog.command.ts';
import { registerCheck } from './commands/check.command.ts';
import { registerConfigShow } from './commands/config-show.command.ts';
import { registerDecide } from './commands/decide.command.ts';
import { registerLatest } from './commands/latest.command.ts';
import { registerLock } from './commands/lock.command.ts';
import { registerMirror } from './commands/mirror.command.ts';
import { registerRelease } from './commands/release.command.ts';
import { registerResolve } from './commands/resolve.command.ts';
import { registerValidate } from './commands/validate.command.ts';
import { registerVersions } from './commands/versions.command.ts';
import { registerWindowsNext } from './commands/windows-next.command.ts';
import { registerFleetCommands } from './commands/fleet/fleet-commands.ts';

export const CLI_VERSION = '0.1.0';

/** The `upkeep` command line: every command registered in one place. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('upkeep')
    .description('Upkeep: fleet-safe version management for infrastructure binaries')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // The program's own options only before a command: `history upgrades --version 1.6.0` is the
    // command's --version, not the program's.
    .enablePositionalOptions()
    .option('--debug', 'print stacks of internal errors');
  registerValidate(program, ctx);
  registerConfigShow(program, ctx);
  registerDecide(program, ctx);
  registerResolve(program, ctx);
  registerVersions(program, ctx);
  registerLatest(program, ctx);
  registerRelease(program, ctx);
  registerChangelog(program, ctx);
  registerCheck(program, ctx);
  registerLock(program, ctx);
  registerMirror(program, ctx);
  registerWindowsNext(program, ctx);
  registerFleetCommands(program, ctx);
  return program;
}
