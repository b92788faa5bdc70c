import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, type AgentIdentity, type AgentTls } from '@upkeep/agent-client';
import { isUpkeepError } from '@upkeep/errors';
import { AgentGatewayServiceClient, clientChannelOptions, type HeartbeatResponse } from '@upkeep/proto';
import type { RunningControlPlane } from '../bootstrap.ts';
import { EnrollmentService } from '../enrollment/enrollment.service.ts';
import { createTestEnvironment, tlsFile, type TestEnvironment } from '../testing/test-control-plane.ts';
import { TEST_OPERATOR } from '../testing/test-agent.ts';

const caPem = tlsFile('ca.crt');
const tlsAs = (name: string | null): AgentTls =>
  name === null
    ? { caPem }
    : { caPem, clientCertPem: tlsFile(`${name}.crt`), clientKeyPem: tlsFile(`${name}.key`) };

describe('agent gateway with mutual TLS', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;

  const token = async (): Promise<string> =>
    (
      await controlPlane.app
        .get(EnrollmentService)
        .createToken(
          { description: '', labels: {}, groups: [], singleUse: true, ttlSeconds: 600 },
          TEST_OPERATOR,
        )
    ).token;

  const enrollAs = async (name: string | null): Promise<AgentIdentity> =>
    enroll({
      serverUrl: environment.grpcUrl,
      token: await token(),
      hostname: name ?? 'anonymous',
      os: 'linux',
      arch: 'amd64',
      agentVersion: '0.1.0',
      tls: tlsAs(name),
      deadlineMs: 3000,
    });

  const heartbeatAs = (name: string, credential: string): Promise<HeartbeatResponse> => {
    const tls = tlsAs(name);
    const client = new AgentGatewayServiceClient(
      environment.grpcUrl,
      credentials.createSsl(caPem, tls.clientKeyPem, tls.clientCertPem),
      clientChannelOptions(),
    );
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    return new Promise<HeartbeatResponse>((resolve, reject) => {
      client.heartbeat(
        { sentAtMs: 0, agentVersion: '' },
        metadata,
        { deadline: new Date(Date.now() + 3000) },
        (error, response) => {
          client.close();
          if (error !== null) reject(error);
          else resolve(response);
        },
      );
    });
  };

  beforeAll(async () => {
    environment = await createTestEnvironment({ mtls: true });
    controlPlane = await environment.start();
  });

  afterAll(async () => {
    await environment.cleanup();
  });

  it('really requires a client certificate: without one the handshake fails', async () => {
    const error = await enrollAs(null).catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('refuses a client certificate from another CA', async () => {
    const error = await enrollAs('rogue-agent').catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_UNREACHABLE');
  });

  it('binds the credential to the certificate it enrolled with', async () => {
    const identity = await enrollAs('agent-a');
    expect((await heartbeatAs('agent-a', identity.credential)).serverTimeMs).toBeGreaterThan(0);

    // A valid certificate of the same CA, but not this agent's: the stolen credential is useless.
    const error = (await heartbeatAs('agent-b', identity.credential).catch(
      (caught: unknown) => caught,
    )) as ServiceError;
    expect(error.code).toBe(status.PERMISSION_DENIED);
    expect(error.details).toContain(`not the one agent ${identity.agentId} enrolled with`);
  });
});
