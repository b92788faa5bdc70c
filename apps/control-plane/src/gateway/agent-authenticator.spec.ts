import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { AppConfig } from '../config/app-config.ts';
import { hashSecret } from '../common/secrets.ts';
import type { AgentCredentialRepository, StoredCredential } from '../hosts/agent-credential.repository.ts';
import { AgentAuthenticator } from './agent-authenticator.ts';
import type { GrpcCallInfo } from './grpc-call.ts';

const SECRET = `upk_agent_${'s'.repeat(43)}`;
const CERT = Buffer.from('client certificate DER');

class FakeCredentials {
  readonly stored = new Map<string, StoredCredential>();
  findBySecretHash(hash: string): Promise<StoredCredential | null> {
    return Promise.resolve(this.stored.get(hash) ?? null);
  }
}

function setUp(mtls: boolean, credential: Partial<StoredCredential> = {}): AgentAuthenticator {
  const credentials = new FakeCredentials();
  credentials.stored.set(hashSecret(SECRET), {
    credentialId: 'c1',
    hostId: 'h1',
    certFingerprint: createHash('sha256').update(CERT).digest('hex'),
    revoked: false,
    hostRevoked: false,
    ...credential,
  });
  return new AgentAuthenticator(
    { mtls } as AppConfig,
    pino({ level: 'silent' }),
    credentials as unknown as AgentCredentialRepository,
  );
}

function call(options: { deadline?: number; cert?: Buffer } = {}): GrpcCallInfo {
  return {
    getDeadline: () => options.deadline ?? Date.now() + 1000,
    getAuthContext: () => (options.cert === undefined ? {} : { sslPeerCertificate: { raw: options.cert } }),
    getPeer: () => 'ipv4:127.0.0.1:5555',
  };
}

function bearer(secret: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${secret}`);
  return metadata;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => new Error('accepted'),
    (caught: unknown) => caught,
  );
  return isUpkeepError(error) ? `${error.code}: ${error.message}` : String(error);
}

describe('AgentAuthenticator', () => {
  it('accepts a known credential and returns its host', async () => {
    await expect(setUp(false).authenticate(bearer(SECRET), call())).resolves.toEqual({
      hostId: 'h1',
      credentialId: 'c1',
    });
  });

  it('refuses a call without a deadline before looking at anything else', async () => {
    expect(await codeOf(setUp(false).authenticate(bearer(SECRET), call({ deadline: Infinity })))).toMatch(
      /^INPUT_INVALID: the call has no deadline/,
    );
  });

  it('refuses missing, malformed and unknown credentials', async () => {
    const authenticator = setUp(false);
    expect(await codeOf(authenticator.authenticate(new Metadata(), call()))).toMatch(
      /^UNAUTHENTICATED: no agent credential/,
    );
    expect(await codeOf(authenticator.authenticate(bearer('upk_api_x'), call()))).toMatch(
      /^UNAUTHENTICATED: no agent credential/,
    );
    expect(await codeOf(authenticator.authenticate(bearer(`upk_agent_${'u'.repeat(43)}`), call()))).toMatch(
      /not known/,
    );
  });

  it('refuses a revoked credential or host', async () => {
    expect(await codeOf(setUp(false, { revoked: true }).authenticate(bearer(SECRET), call()))).toMatch(
      /agent h1 has been revoked/,
    );
    expect(await codeOf(setUp(false, { hostRevoked: true }).authenticate(bearer(SECRET), call()))).toMatch(
      /agent h1 has been revoked/,
    );
  });

  it('under mTLS accepts only the certificate the agent enrolled with', async () => {
    const authenticator = setUp(true);
    await expect(authenticator.authenticate(bearer(SECRET), call({ cert: CERT }))).resolves.toMatchObject({
      hostId: 'h1',
    });
    expect(
      await codeOf(authenticator.authenticate(bearer(SECRET), call({ cert: Buffer.from('another') }))),
    ).toMatch(/^FORBIDDEN: the client certificate/);
    expect(await codeOf(authenticator.authenticate(bearer(SECRET), call()))).toMatch(/^FORBIDDEN/);
  });
});
