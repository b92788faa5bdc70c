import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { UpkeepError } from '@upkeep/errors';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { ASSIGNMENT_KINDS, type AssignmentPayload } from './assignment-payload.ts';

// Domain separation: a signature over an assignment can never be replayed as a
// signature over some other message the same key might sign one day.
const SIGNING_CONTEXT = Buffer.from('upkeep-assignment-v1\n', 'utf8');
const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SignedAssignment {
  /** Canonical JSON bytes of the payload: exactly what was signed. */
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly keyId: string;
}

export type AssignmentRefusal =
  'malformed' | 'bad-signature' | 'unknown-key' | 'wrong-agent' | 'job-id-mismatch' | 'expired' | 'replayed';

export type VerifyResult =
  | { readonly ok: true; readonly assignment: AssignmentPayload }
  | { readonly ok: false; readonly reason: AssignmentRefusal; readonly detail: string };

export interface VerifyInput {
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  readonly keyId: string;
  /** The job id the transport carried; must equal the signed one. */
  readonly jobId: string;
  /** The public key pinned at enrollment. */
  readonly publicKey: KeyObject;
  readonly agentId: string;
  /** Highest sequence the agent has accepted so far (0 before the first). */
  readonly lastSequence: number;
  readonly now: Date;
}

/** Short stable id of a public key: the first 16 hex digits of sha256(SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
}

function payloadToJson(payload: AssignmentPayload): JsonValue {
  return {
    v: payload.v,
    jobId: payload.jobId,
    agentId: payload.agentId,
    sequence: payload.sequence,
    kind: payload.kind,
    component: payload.component,
    targetVersion: payload.targetVersion,
    artifact:
      payload.artifact === null ? null : { url: payload.artifact.url, sha256: payload.artifact.sha256 },
    issuedAt: payload.issuedAt,
    expiresAt: payload.expiresAt,
  };
}

/** Signs an assignment with an Ed25519 private key. */
export function signAssignment(payload: AssignmentPayload, privateKey: KeyObject): SignedAssignment {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `assignment signing key is ${String(privateKey.asymmetricKeyType)}, not Ed25519`,
      {
        hint: 'create one with `openssl genpkey -algorithm ed25519 -out signing-key.pem`',
      },
    );
  }
  const bytes = Buffer.from(canonicalJson(payloadToJson(payload)), 'utf8');
  return {
    payload: bytes,
    signature: sign(null, Buffer.concat([SIGNING_CONTEXT, bytes]), privateKey),
    keyId: keyIdOf(createPublicKey(privateKey)),
  };
}

function parsePayload(bytes: Uint8Array): AssignmentPayload | string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return 'payload is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'payload is not an object';
  const p = value as Record<string, unknown>;
  if (p['v'] !== 1) return `unsupported payload version ${JSON.stringify(p['v'])}`;
  if (typeof p['jobId'] !== 'string' || !UUID.test(p['jobId'])) return 'jobId is not a UUID';
  if (typeof p['agentId'] !== 'string') return 'agentId missing';
  if (typeof p['sequence'] !== 'number' || !Number.isSafeInteger(p['sequence']) || p['sequence'] < 1) {
    return 'sequence is not a positive integer';
  }
  if (!ASSIGNMENT_KINDS.includes(p['kind'] as never)) return `kind ${JSON.stringify(p['kind'])} is not known`;
  if (typeof p['component'] !== 'string' || p['component'] === '') return 'component missing';
  if (p['targetVersion'] !== null && typeof p['targetVersion'] !== 'string')
    return 'targetVersion is not a string';
  const artifact = p['artifact'];
  if (artifact !== null) {
    if (typeof artifact !== 'object') return 'artifact is not an object';
    const a = artifact as Record<string, unknown>;
    if (typeof a['url'] !== 'string' || typeof a['sha256'] !== 'string' || !SHA256_HEX.test(a['sha256'])) {
      return 'artifact needs a url and a lower-case hex sha256';
    }
  }
  for (const key of ['issuedAt', 'expiresAt'] as const) {
    if (typeof p[key] !== 'string' || Number.isNaN(Date.parse(p[key]))) return `${key} is not a date`;
  }
  return value as AssignmentPayload;
}

/**
 * Checks an assignment the way an agent must before acting on it: signature by
 * the pinned key, addressed to this agent, not expired, and numbered above the
 * last accepted one (replay, rollback and freeze protection in the spirit of TUF).
 */
export function verifyAssignment(input: VerifyInput): VerifyResult {
  const expectedKeyId = keyIdOf(input.publicKey);
  if (input.keyId !== expectedKeyId) {
    return {
      ok: false,
      reason: 'unknown-key',
      detail: `signed by key ${input.keyId}, pinned key is ${expectedKeyId}`,
    };
  }
  const signedBytes = Buffer.concat([SIGNING_CONTEXT, Buffer.from(input.payload)]);
  let valid: boolean;
  try {
    valid = verify(null, signedBytes, input.publicKey, Buffer.from(input.signature));
  } catch {
    valid = false;
  }
  if (!valid)
    return { ok: false, reason: 'bad-signature', detail: 'signature does not verify with the pinned key' };
  const parsed = parsePayload(input.payload);
  if (typeof parsed === 'string') return { ok: false, reason: 'malformed', detail: parsed };
  if (parsed.agentId !== input.agentId) {
    return { ok: false, reason: 'wrong-agent', detail: `addressed to agent ${parsed.agentId}` };
  }
  if (parsed.jobId !== input.jobId) {
    return {
      ok: false,
      reason: 'job-id-mismatch',
      detail: `signed job ${parsed.jobId}, delivered as ${input.jobId}`,
    };
  }
  if (Date.parse(parsed.expiresAt) <= input.now.getTime()) {
    return { ok: false, reason: 'expired', detail: `expired at ${parsed.expiresAt}` };
  }
  if (parsed.sequence <= input.lastSequence) {
    return {
      ok: false,
      reason: 'replayed',
      detail: `sequence ${parsed.sequence} is not above the last accepted ${input.lastSequence}`,
    };
  }
  return { ok: true, assignment: parsed };
}
