import { createHash, generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { AppConfig } from '../config/app-config.ts';
import type {
  EnrollmentRepository,
  NewEnrollmentToken,
  Redemption,
  RedemptionResult,
} from './enrollment.repository.ts';
import { EnrollmentService, type EnrollInput } from './enrollment.service.ts';

const NOW = new Date('2026-11-24T10:00:00Z');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

class FakeRepository {
  readonly created: NewEnrollmentToken[] = [];
  readonly redeemed: Redemption[] = [];
  result: RedemptionResult = { ok: true, labels: { env: 'prod' }, groups: ['web'] };

  createToken(token: NewEnrollmentToken): Promise<unknown> {
    this.created.push(token);
    return Promise.resolve({ id: token.id, expiresAt: token.expiresAt.toISOString() });
  }

  redeem(redemption: Redemption): Promise<RedemptionResult> {
    this.redeemed.push(redemption);
    return Promise.resolve(this.result);
  }
}

function setUp(): { service: EnrollmentService; repository: FakeRepository } {
  const repository = new FakeRepository();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const config = {
    signingKey: { privateKey, publicKey, publicKeyPem: 'PEM', keyId: 'k1' },
  } as unknown as AppConfig;
  // Fixed "randomness": every secret is 32 bytes of 7.
  const service = new EnrollmentService(
    config,
    pino({ level: 'silent' }),
    { now: () => NOW },
    repository as unknown as EnrollmentRepository,
    (size) => Buffer.alloc(size, 7),
  );
  return { service, repository };
}

const ACTOR = { type: 'api_token', id: 't1' } as const;
const request = { description: '', labels: {}, groups: [], singleUse: true, ttlSeconds: 3600 };
const enrollInput: EnrollInput = {
  token: `upk_enroll_${Buffer.alloc(32, 7).toString('base64url')}`,
  hostname: ' web-1 ',
  os: 'linux',
  arch: 'amd64',
  agentVersion: '0.1.0',
  labels: { rack: 'r1' },
  certFingerprint: null,
};

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => new Error('accepted'),
    (caught: unknown) => caught,
  );
  return isUpkeepError(error) ? `${error.code}: ${error.message}` : String(error);
}

describe('EnrollmentService', () => {
  it('creates a 256-bit token, stores only its hash, and sets the expiry from the clock', async () => {
    const { service, repository } = setUp();
    const created = await service.createToken(
      { ...request, labels: { env: 'prod' }, groups: ['web'] },
      ACTOR,
    );
    expect(created.token).toBe(`upk_enroll_${Buffer.alloc(32, 7).toString('base64url')}`);
    expect(repository.created[0]).toMatchObject({
      tokenHash: sha256(created.token),
      expiresAt: new Date(NOW.getTime() + 3_600_000),
      labels: { env: 'prod' },
    });
    expect(JSON.stringify(repository.created)).not.toContain(created.token);
  });

  it.each([
    [{ ttlSeconds: 30 }, 'ttlSeconds 30 is out of range'],
    [{ labels: { 'Bad Key': 'x' } }, 'label key "Bad Key" is not valid'],
    [{ labels: { env: 'a b' } }, 'label env has an invalid value'],
    [{ groups: ['-web'] }, 'group "-web" is not valid'],
  ])('refuses token request %o', async (override, message) => {
    const { service, repository } = setUp();
    expect(await failure(service.createToken({ ...request, ...override }, ACTOR))).toContain(message);
    expect(repository.created).toHaveLength(0);
  });

  it('enrolls with a fresh credential whose hash alone reaches the repository', async () => {
    const { service, repository } = setUp();
    const enrolled = await service.enroll(enrollInput);
    expect(enrolled).toMatchObject({
      assignmentPublicKeyPem: 'PEM',
      assignmentKeyId: 'k1',
      labels: { env: 'prod' },
      groups: ['web'],
    });
    const [redemption] = repository.redeemed;
    expect(redemption).toMatchObject({
      tokenHash: sha256(enrollInput.token),
      hostname: 'web-1',
      secretHash: sha256(enrolled.credential),
    });
    expect(redemption?.hostId).toBe(enrolled.agentId);
  });

  it('refuses what is not an enrollment token without asking the repository', async () => {
    const { service, repository } = setUp();
    expect(await failure(service.enroll({ ...enrollInput, token: 'upk_api_x' }))).toMatch(
      /^UNAUTHENTICATED: that is not an enrollment token/,
    );
    expect(repository.redeemed).toHaveLength(0);
  });

  it.each([
    ['unknown', 'the enrollment token is not known'],
    ['expired', 'the enrollment token has expired'],
    ['revoked', 'the enrollment token was revoked'],
    ['used', 'the enrollment token was single-use and has been used'],
  ] as const)('says why a %s token is refused', async (reason, message) => {
    const { service, repository } = setUp();
    repository.result = { ok: false, reason };
    expect(await failure(service.enroll(enrollInput))).toBe(`UNAUTHENTICATED: ${message}`);
  });

  it('refuses an empty hostname', async () => {
    const { service } = setUp();
    expect(await failure(service.enroll({ ...enrollInput, hostname: '   ' }))).toContain(
      'hostname must be 1-255 characters',
    );
  });
});
