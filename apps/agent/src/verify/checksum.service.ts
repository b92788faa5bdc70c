import { UpkeepError } from '@upkeep/errors';

export type ChecksumOutcome =
  | { readonly status: 'verified'; readonly sha256: string }
  | { readonly status: 'unverified'; readonly sha256: string; readonly warning: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Lower-cases and checks a sha256 given as hex; refuses anything else. */
export function normalizeSha256(text: string, source: string): string {
  const clean = text
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '');
  if (!SHA256_HEX.test(clean)) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `${source} is not a sha256 (64 hex digits): ${JSON.stringify(text.slice(0, 80))}`,
      {
        details: { source },
        hint: 'the checksum file or the configured checksum is malformed',
      },
    );
  }
  return clean;
}

/**
 * Checks an artifact's sha256 (computed while downloading) against the expected
 * one. A mismatch always fails. A missing expected checksum fails when
 * `required` (the seed's `require_checksum_verification`, default true); when
 * not required the artifact passes with a warning the caller must log loudly on
 * every run: that policy is the caller's, this function only says so.
 */
export function verifyChecksum(input: {
  readonly artifact: string;
  readonly actualSha256: string;
  readonly expectedSha256: string | null;
  readonly required: boolean;
}): ChecksumOutcome {
  const actual = normalizeSha256(input.actualSha256, `sha256 of ${input.artifact}`);
  if (input.expectedSha256 === null) {
    if (input.required) {
      throw new UpkeepError(
        'CHECKSUM_NOT_FOUND',
        `no checksum is known for ${input.artifact}, and verification is required`,
        {
          details: { artifact: input.artifact, actualSha256: actual },
          hint: 'set download.checksum_file for this component; turning require_checksum_verification off installs unverified binaries',
        },
      );
    }
    return {
      status: 'unverified',
      sha256: actual,
      warning: `CHECKSUM NOT VERIFIED: ${input.artifact} (sha256 ${actual}) is installed without checksum verification because global.safety.require_checksum_verification is false`,
    };
  }
  const expected = normalizeSha256(input.expectedSha256, `expected checksum of ${input.artifact}`);
  if (expected !== actual) {
    throw new UpkeepError(
      'CHECKSUM_MISMATCH',
      `checksum mismatch for ${input.artifact}: expected ${expected}, got ${actual}`,
      {
        details: { artifact: input.artifact, expected, actual },
        hint: 'the download is damaged or was tampered with; it was not installed. Retry, and report it if it persists',
      },
    );
  }
  return { status: 'verified', sha256: actual };
}

/**
 * Finds `fileName`'s sha256 in a checksum file: GNU (`<hash>  name`, `<hash> *name`)
 * or BSD (`SHA256 (name) = <hash>`) lines. Matches the whole name (or its
 * `./`-prefixed form), never a substring as the seed's grep did.
 */
export function findChecksum(checksumFile: string, fileName: string): string | null {
  for (const rawLine of checksumFile.split(/\r?\n/)) {
    const line = rawLine.trim();
    const gnu = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line);
    const [hash, name] =
      gnu !== null ? [gnu[1], gnu[2]] : bsd !== null ? [bsd[2], bsd[1]] : [undefined, undefined];
    if (hash === undefined || name === undefined) continue;
    const clean = name.trim().replace(/^\.\//, '');
    if (clean === fileName) return hash.toLowerCase();
  }
  return null;
}
