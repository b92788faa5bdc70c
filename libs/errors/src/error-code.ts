/**
 * Every error code Upkeep can raise, in one place, so each transport's mapper
 * (CLI exit code, HTTP status, gRPC status) is an exhaustive switch over it.
 * Add a code here and the compiler shows every mapper that must learn it.
 */
export const ERROR_CODES = [
  // Bad input from the operator or a file they wrote.
  'USAGE',
  'INVALID_VERSION',
  'INVALID_CONSTRAINT',
  'CONFIG_NOT_FOUND',
  'CONFIG_INVALID',
  'UNKNOWN_COMPONENT',
  'UNKNOWN_ENVIRONMENT',
  'INPUT_INVALID',
  'INPUT_TOO_LARGE',
  'LOCK_MISMATCH',
  // Nothing satisfies the policy.
  'NO_VERSION_RESOLVED',
  // Upstream (GitHub, GitLab, URLs, registries, OSV).
  'UPSTREAM_UNREACHABLE',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_INVALID_RESPONSE',
  'UPSTREAM_NOT_FOUND',
  'UPSTREAM_AUTH',
  'OFFLINE_NO_CACHE',
  'ASSET_NOT_FOUND',
  'CHECKSUM_NOT_FOUND',
  'SECRET_FILE_INSECURE',
  // Artifact verification and installation on a host.
  'DOWNLOAD_FAILED',
  'CHECKSUM_MISMATCH',
  'SIGNATURE_INVALID',
  'ARCHIVE_UNSAFE',
  'ARCHIVE_INVALID',
  'BINARY_NOT_IN_ARCHIVE',
  'INSUFFICIENT_SPACE',
  'PERMISSION_DENIED',
  'SERVICE_FAILED',
  'HEALTH_CHECK_FAILED',
  'VERSION_MISMATCH',
  'ROLLBACK_POINT_MISSING',
  'ROLLBACK_FAILED',
  'UPGRADE_REFUSED',
  'STATE_CORRUPT',
  'OPERATION_IN_PROGRESS',
  // Callers of the control plane (API tokens, agent credentials) and what they ask for.
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNAVAILABLE',
  // Anything we did not foresee.
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
