import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { AssignmentPayload } from './assignment-payload.ts';
import { keyIdOf, signAssignment, verifyAssignment, type VerifyInput } from './assignment-signature.ts';
import { canonicalJson } from './canonical-json.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const now = new Date('2026-11-24T10:00:00Z');
const payload: AssignmentPayload = {
  v: 1,
  jobId: '0b3d8f6e-7a43-4c1e-9d7f-2a5b8c9d0e1f',
  agentId: 'agent-1',
  sequence: 5,
  kind: 'upgrade',
  component: 'node_exporter',
  targetVersion: '1.8.2',
  artifact: { url: 'https://cp.example/artifacts/abc', sha256: 'a'.repeat(64) },
  issuedAt: '2026-11-24T09:59:00.000Z',
  expiresAt: '2026-11-24T11:00:00.000Z',
};

function input(overrides: Partial<VerifyInput> = {}): VerifyInput {
  const signed = signAssignment(payload, privateKey);
  return {
    payload: signed.payload,
    signature: signed.signature,
    keyId: signed.keyId,
    jobId: payload.jobId,
    publicKey,
    agentId: 'agent-1',
    lastSequence: 4,
    now,
    ...overrides,
  };
}

describe('signAssignment / verifyAssignment', () => {
  it('accepts an assignment signed by the pinned key, addressed to the agent, fresh and numbered above the last', () => {
    const result = verifyAssignment(input());
    expect(result).toEqual({ ok: true, assignment: payload });
  });

  it('signs canonical bytes: the same payload gives the same bytes whatever the key order', () => {
    const reordered = Object.fromEntries(Object.entries(payload).reverse()) as unknown as AssignmentPayload;
    expect(
      signAssignment(reordered, privateKey).payload.equals(signAssignment(payload, privateKey).payload),
    ).toBe(true);
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
  });

  it('refuses a payload changed after signing', () => {
    const signed = signAssignment(payload, privateKey);
    const tampered = Buffer.from(signed.payload.toString('utf8').replace('1.8.2', '6.6.6'), 'utf8');
    expect(verifyAssignment(input({ payload: tampered }))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses an unsigned assignment', () => {
    expect(verifyAssignment(input({ signature: Buffer.alloc(0) }))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a signature by another key, even when it claims the pinned key id', () => {
    const forged = signAssignment(payload, other.privateKey);
    expect(verifyAssignment(input({ signature: forged.signature }))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyAssignment(input({ ...forged, payload: forged.payload }))).toMatchObject({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('refuses an assignment for another agent', () => {
    expect(verifyAssignment(input({ agentId: 'agent-2' }))).toMatchObject({
      ok: false,
      reason: 'wrong-agent',
    });
  });

  it('refuses a job id that differs from the signed one', () => {
    expect(verifyAssignment(input({ jobId: '1b3d8f6e-7a43-4c1e-9d7f-2a5b8c9d0e1f' }))).toMatchObject({
      ok: false,
      reason: 'job-id-mismatch',
    });
  });

  it('refuses an expired assignment (freeze protection)', () => {
    expect(verifyAssignment(input({ now: new Date('2026-11-24T11:00:00Z') }))).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a sequence not above the last accepted one (replay and rollback protection)', () => {
    expect(verifyAssignment(input({ lastSequence: 5 }))).toMatchObject({ ok: false, reason: 'replayed' });
    expect(verifyAssignment(input({ lastSequence: 9 }))).toMatchObject({ ok: false, reason: 'replayed' });
  });

  it('refuses a well-signed payload that is not a valid assignment', () => {
    const bad = { ...payload, kind: 'shell' } as unknown as AssignmentPayload;
    const signed = signAssignment(bad, privateKey);
    expect(verifyAssignment(input({ payload: signed.payload, signature: signed.signature }))).toMatchObject({
      ok: false,
      reason: 'malformed',
      detail: 'kind "shell" is not known',
    });
  });

  it('names the key by a stable id and refuses a signing key that is not Ed25519', () => {
    expect(keyIdOf(createPublicKey(privateKey))).toBe(keyIdOf(publicKey));
    expect(keyIdOf(publicKey)).toMatch(/^[0-9a-f]{16}$/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    try {
      signAssignment(payload, rsa.privateKey);
      expect.fail('an RSA key must be refused');
    } catch (error) {
      expect(isUpkeepError(error) && error.code).toBe('CONFIG_INVALID');
    }
  });
});
