import { UpkeepError } from '@upkeep/errors';
import { parseVersion, versionsEqual } from '@upkeep/versioning';
import { describeResult, type ProcessRunner } from '../service/process-runner.port.ts';

/**
 * Default pattern for `<binary> --version`: Prometheus-style "version 1.7.0",
 * else the first semantic version in the output.
 */
const DEFAULT_PATTERNS = [
  /version[:\s]+v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/i,
  /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/,
];

export interface VersionCheck {
  readonly component: string;
  readonly binaryPath: string;
  readonly expected: string;
  /** Default `[binaryPath, '--version']`. */
  readonly argv?: readonly string[] | undefined;
  /** A regular expression whose first group is the version. */
  readonly pattern?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Reads the version a binary reports (stdout and stderr: Go programs often print it on stderr). */
export async function readBinaryVersion(
  check: Omit<VersionCheck, 'expected'>,
  run: ProcessRunner,
): Promise<string> {
  const argv = check.argv ?? [check.binaryPath, '--version'];
  const result = await run(argv, { timeoutMs: check.timeoutMs ?? 10_000 });
  if (result.exitCode !== 0) {
    throw new UpkeepError(
      'VERSION_MISMATCH',
      `${check.component}: ${argv.join(' ')} failed: ${describeResult(result)}`,
      {
        details: { component: check.component, argv },
        hint: 'the binary does not run on this host (architecture, libc) or needs a different version command',
      },
    );
  }
  const output = `${result.stdout}\n${result.stderr}`;
  const patterns = check.pattern === undefined ? DEFAULT_PATTERNS : [new RegExp(check.pattern)];
  for (const pattern of patterns) {
    const found = pattern.exec(output)?.[1];
    if (found !== undefined) return found;
  }
  throw new UpkeepError(
    'VERSION_MISMATCH',
    `${check.component}: no version found in the output of ${argv.join(' ')}`,
    {
      details: { component: check.component, output: output.slice(0, 500) },
      hint: "set the component's version check pattern (a regex whose first group is the version)",
    },
  );
}

/** Checks that the installed binary reports the expected version; returns what it reported. */
export async function verifyBinaryVersion(check: VersionCheck, run: ProcessRunner): Promise<string> {
  const reported = await readBinaryVersion(check, run);
  if (
    !versionsEqual(
      parseVersion(reported, 'reported version'),
      parseVersion(check.expected, 'expected version'),
    )
  ) {
    throw new UpkeepError(
      'VERSION_MISMATCH',
      `${check.component} reports version ${reported}, expected ${check.expected}`,
      {
        details: { component: check.component, reported, expected: check.expected },
        hint: 'the release archive holds another version than its name says, or the wrong file was installed',
      },
    );
  }
  return reported;
}
