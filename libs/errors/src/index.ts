export { ERROR_CODES, type ErrorCode } from './error-code.ts';
export { UpkeepError, errorMessage, isUpkeepError, type ErrorDetails } from './upkeep-error.ts';
export { redactText, redactUrl, urlSecretParts } from './redact.ts';
