/** What a finished child process left behind. */
export interface ProcessResult {
  /** Null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Why it could not be started at all (ENOENT for a missing command...). */
  readonly spawnError: string | null;
}

export interface RunOptions {
  readonly timeoutMs?: number | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
}

/** Runs an argv without a shell and never rejects: the result says what happened. */
export type ProcessRunner = (argv: readonly string[], options?: RunOptions) => Promise<ProcessResult>;

/** One line for an error message: exit status and the tail of both outputs. */
export function describeResult(result: ProcessResult): string {
  const status =
    result.spawnError !== null
      ? `could not start: ${result.spawnError}`
      : result.timedOut
        ? 'timed out'
        : result.signal !== null
          ? `killed by ${result.signal}`
          : `exit code ${String(result.exitCode)}`;
  const tail = (text: string): string => {
    const trimmed = text.trim();
    return trimmed.length > 2000 ? `...${trimmed.slice(-2000)}` : trimmed;
  };
  const parts = [status];
  if (result.stdout.trim() !== '') parts.push(`stdout: ${tail(result.stdout)}`);
  if (result.stderr.trim() !== '') parts.push(`stderr: ${tail(result.stderr)}`);
  return parts.join('; ');
}
