import type { ErrorCode } from '@upkeep/errors';

/**
 * Exit codes, after BSD sysexits where one fits, so scripts can tell a typo
 * from a broken upstream. `decide` keeps the seed's own codes (0 safe, 1
 * unsafe, 2 manual review) on success; these are for failures.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 64,
  dataError: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  ioError: 74,
  tempFail: 75,
  noPermission: 77,
  config: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The one place an error code becomes a process exit code. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  switch (code) {
    case 'USAGE':
    case 'INVALID_VERSION':
    case 'INVALID_CONSTRAINT':
    case 'UNKNOWN_COMPONENT':
    case 'UNKNOWN_ENVIRONMENT':
      return EXIT.usage;
    case 'CONFIG_NOT_FOUND':
    case 'NOT_FOUND':
      return EXIT.noInput;
    case 'CONFIG_INVALID':
    case 'LOCK_MISMATCH':
      return EXIT.config;
    case 'INPUT_INVALID':
    case 'INPUT_TOO_LARGE':
    case 'NO_VERSION_RESOLVED':
    case 'ASSET_NOT_FOUND':
    case 'CHECKSUM_NOT_FOUND':
    case 'CHECKSUM_MISMATCH':
    case 'SIGNATURE_INVALID':
    case 'ARCHIVE_UNSAFE':
    case 'ARCHIVE_INVALID':
    case 'BINARY_NOT_IN_ARCHIVE':
    case 'UPSTREAM_INVALID_RESPONSE':
      return EXIT.dataError;
    case 'UPSTREAM_UNREACHABLE':
    case 'UPSTREAM_RATE_LIMITED':
    case 'UPSTREAM_NOT_FOUND':
    case 'UPSTREAM_AUTH':
    case 'OFFLINE_NO_CACHE':
    case 'DOWNLOAD_FAILED':
      return EXIT.unavailable;
    case 'SECRET_FILE_INSECURE':
    case 'PERMISSION_DENIED':
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return EXIT.noPermission;
    case 'INSUFFICIENT_SPACE':
      return EXIT.ioError;
    case 'SERVICE_FAILED':
    case 'HEALTH_CHECK_FAILED':
    case 'VERSION_MISMATCH':
    case 'ROLLBACK_FAILED':
    case 'UPGRADE_REFUSED':
      return EXIT.failed;
    case 'OPERATION_IN_PROGRESS':
    case 'CONFLICT':
    case 'UNAVAILABLE':
      return EXIT.tempFail;
    case 'ROLLBACK_POINT_MISSING':
    case 'STATE_CORRUPT':
    case 'INTERNAL':
      return EXIT.software;
  }
}
