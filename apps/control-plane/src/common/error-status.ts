import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorCode } from '@upkeep/errors';

/** One mapping per transport (STYLE §5); the switch is exhaustive, so a new code is a compile error here. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'USAGE':
    case 'INVALID_VERSION':
    case 'INVALID_CONSTRAINT':
    case 'CONFIG_INVALID':
    case 'INPUT_INVALID':
    case 'LOCK_MISMATCH':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
    case 'PERMISSION_DENIED':
      return 403;
    case 'NOT_FOUND':
    case 'CONFIG_NOT_FOUND':
    case 'UNKNOWN_COMPONENT':
    case 'UNKNOWN_ENVIRONMENT':
    case 'UPSTREAM_NOT_FOUND':
    case 'ASSET_NOT_FOUND':
    case 'CHECKSUM_NOT_FOUND':
    case 'ROLLBACK_POINT_MISSING':
      return 404;
    case 'CONFLICT':
    case 'OPERATION_IN_PROGRESS':
      return 409;
    case 'INPUT_TOO_LARGE':
      return 413;
    case 'NO_VERSION_RESOLVED':
    case 'UPGRADE_REFUSED':
    case 'SECRET_FILE_INSECURE':
    case 'CHECKSUM_MISMATCH':
    case 'SIGNATURE_INVALID':
      return 422;
    case 'UPSTREAM_RATE_LIMITED':
      return 429;
    case 'UPSTREAM_UNREACHABLE':
    case 'UPSTREAM_INVALID_RESPONSE':
    case 'UPSTREAM_AUTH':
    case 'OFFLINE_NO_CACHE':
    case 'DOWNLOAD_FAILED': // in the control plane, always a fetch from upstream that failed
      return 502;
    case 'UNAVAILABLE':
      return 503;
    case 'ARCHIVE_UNSAFE':
    case 'ARCHIVE_INVALID':
    case 'BINARY_NOT_IN_ARCHIVE':
    case 'INSUFFICIENT_SPACE':
    case 'SERVICE_FAILED':
    case 'HEALTH_CHECK_FAILED':
    case 'VERSION_MISMATCH':
    case 'ROLLBACK_FAILED':
    case 'STATE_CORRUPT':
    case 'INTERNAL':
      return 500;
  }
}

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  switch (code) {
    case 'USAGE':
    case 'INVALID_VERSION':
    case 'INVALID_CONSTRAINT':
    case 'CONFIG_INVALID':
    case 'INPUT_INVALID':
    case 'LOCK_MISMATCH':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'UNAUTHENTICATED':
      return GrpcStatus.UNAUTHENTICATED;
    case 'FORBIDDEN':
    case 'PERMISSION_DENIED':
      return GrpcStatus.PERMISSION_DENIED;
    case 'NOT_FOUND':
    case 'CONFIG_NOT_FOUND':
    case 'UNKNOWN_COMPONENT':
    case 'UNKNOWN_ENVIRONMENT':
    case 'UPSTREAM_NOT_FOUND':
    case 'ASSET_NOT_FOUND':
    case 'CHECKSUM_NOT_FOUND':
    case 'ROLLBACK_POINT_MISSING':
      return GrpcStatus.NOT_FOUND;
    case 'CONFLICT':
    case 'OPERATION_IN_PROGRESS':
      return GrpcStatus.ABORTED;
    case 'INPUT_TOO_LARGE':
    case 'UPSTREAM_RATE_LIMITED':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'NO_VERSION_RESOLVED':
    case 'UPGRADE_REFUSED':
    case 'SECRET_FILE_INSECURE':
      return GrpcStatus.FAILED_PRECONDITION;
    case 'UPSTREAM_UNREACHABLE':
    case 'UPSTREAM_INVALID_RESPONSE':
    case 'UPSTREAM_AUTH':
    case 'OFFLINE_NO_CACHE':
    case 'UNAVAILABLE':
      return GrpcStatus.UNAVAILABLE;
    case 'DOWNLOAD_FAILED':
    case 'CHECKSUM_MISMATCH':
    case 'SIGNATURE_INVALID':
    case 'ARCHIVE_UNSAFE':
    case 'ARCHIVE_INVALID':
    case 'BINARY_NOT_IN_ARCHIVE':
    case 'INSUFFICIENT_SPACE':
    case 'SERVICE_FAILED':
    case 'HEALTH_CHECK_FAILED':
    case 'VERSION_MISMATCH':
    case 'ROLLBACK_FAILED':
    case 'STATE_CORRUPT':
    case 'INTERNAL':
      return GrpcStatus.INTERNAL;
  }
}
