import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits, far above the 128 the issue asks of enrollment tokens. */
const SECRET_BYTES = 32;

/** A new random secret with a prefix that says what it is (`upk_enroll_…`, `upk_agent_…`, `upk_api_…`, `upk_session_…`). */
export function generateSecret(prefix: string, random: (size: number) => Buffer = randomBytes): string {
  return `${prefix}${random(SECRET_BYTES).toString('base64url')}`;
}

/**
 * What the database keeps instead of a secret. A fast hash is enough: the
 * secrets are 256 random bits, so there is nothing to brute-force.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export const SECRET_PREFIX = {
  enrollment: 'upk_enroll_',
  agent: 'upk_agent_',
  api: 'upk_api_',
  session: 'upk_session_',
} as const;
