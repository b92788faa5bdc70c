import { createHash } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { UpkeepError } from '@upkeep/errors';

/** The parts of a grpc-js server call the gateway reads (Nest hands it over as the third argument). */
export interface GrpcCallInfo {
  getDeadline(): Date | number;
  getAuthContext?(): { sslPeerCertificate?: { raw?: Buffer } } | null;
  getPeer(): string;
}

/** Every call must carry a deadline (the rule); one without is refused before any work. */
export function requireDeadline(call: GrpcCallInfo | undefined): void {
  const deadline = call?.getDeadline();
  if (deadline === undefined || deadline === Infinity) {
    throw new UpkeepError('INPUT_INVALID', 'the call has no deadline', {
      hint: 'set a deadline on every call (the agent client does)',
    });
  }
}

/** sha256 (hex) of the client certificate the TLS handshake verified, or null without mTLS. */
export function peerCertificateFingerprint(call: GrpcCallInfo | undefined): string | null {
  const raw = call?.getAuthContext?.()?.sslPeerCertificate?.raw;
  return raw === undefined || raw.length === 0 ? null : createHash('sha256').update(raw).digest('hex');
}

export function bearerToken(metadata: Metadata | undefined, key: string): string | null {
  const value = metadata?.get(key)[0];
  if (typeof value !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  return match?.[1] ?? null;
}
