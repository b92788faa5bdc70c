import { randomUUID } from 'node:crypto';
import { isUpkeepError, UpkeepError } from '@upkeep/errors';
import { exitCodeFor, EXIT, type ExitCode } from './exit-code.ts';

/** Where a command writes; the process streams by default, buffers in tests. */
export interface OutputPort {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processOutput: OutputPort = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Prints a command's result: the JSON document with `--json`, else the human text. */
export function printResult(out: OutputPort, json: boolean, data: unknown, human: () => string): void {
  if (json) out.stdout(`${JSON.stringify(data, null, 2)}\n`);
  else {
    const text = human();
    if (text !== '') out.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/**
 * Reports an error on stderr and returns the exit code. Errors Upkeep raised on
 * purpose print their message and hint; anything else is a bug and gets an
 * error id, printed with the stack so the report can be matched to a log.
 */
export function reportError(out: OutputPort, json: boolean, error: unknown, debug = false): ExitCode {
  if (isUpkeepError(error)) {
    if (json) out.stderr(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    else out.stderr(formatUpkeepError(error));
    return exitCodeFor(error.code);
  }
  const errorId = randomUUID();
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    out.stderr(
      `${JSON.stringify({ error: { code: 'INTERNAL', message, details: { error_id: errorId } } }, null, 2)}\n`,
    );
  } else {
    out.stderr(`error: internal error ${errorId}: ${message}\n`);
  }
  if (debug && error instanceof Error && error.stack !== undefined) out.stderr(`${error.stack}\n`);
  return EXIT.software;
}

function formatUpkeepError(error: UpkeepError): string {
  const lines = [`error: ${error.message}`];
  const issues = error.details['issues'];
  if (Array.isArray(issues)) {
    for (const issue of issues as unknown[]) lines.push(`  - ${formatIssue(issue)}`);
  }
  if (error.hint !== undefined) lines.push(`hint: ${error.hint}`);
  return `${lines.join('\n')}\n`;
}

function formatIssue(issue: unknown): string {
  if (typeof issue !== 'object' || issue === null) return String(issue);
  const { path, message, line, column } = issue as {
    path?: unknown;
    message?: unknown;
    line?: unknown;
    column?: unknown;
  };
  const where =
    typeof line === 'number' ? ` (line ${line}${typeof column === 'number' ? `:${column}` : ''})` : '';
  const pathText = typeof path === 'string' && path !== '' ? `${path}: ` : '';
  return `${pathText}${String(message)}${where}`;
}
