import { readFile } from 'node:fs/promises';
import { fsError } from '../common/fs-error.service.ts';
import { execStartOf } from './unit-file.service.ts';

/** Where the command line came from, for the decision's explanation. */
export interface ServiceCommandLine {
  readonly argv: readonly string[];
  readonly source: 'configured' | 'unit-file' | 'none';
}

/**
 * The command line the service really runs with: the configured args when the
 * config gives them, else the unit file's ExecStart, else just the binary. The
 * decision engine checks removed flags against it.
 */
export async function readServiceCommandLine(input: {
  readonly binaryPath: string;
  readonly configuredArgs?: readonly string[] | undefined;
  readonly unitPath?: string | null | undefined;
}): Promise<ServiceCommandLine> {
  if (input.configuredArgs !== undefined)
    return { argv: [input.binaryPath, ...input.configuredArgs], source: 'configured' };
  if (input.unitPath !== undefined && input.unitPath !== null) {
    let text: string | null;
    try {
      text = await readFile(input.unitPath, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw fsError('read', input.unitPath, error);
      text = null;
    }
    const argv = text === null ? null : execStartOf(text);
    if (argv !== null) return { argv, source: 'unit-file' };
  }
  return { argv: [input.binaryPath], source: 'none' };
}
