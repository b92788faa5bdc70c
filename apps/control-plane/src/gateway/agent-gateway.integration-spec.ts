import {
  Metadata,
  credentials,
  makeGenericClientConstructor,
  status,
  type CallOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, type AgentIdentity } from '@upkeep/agent-client';
import { isUpkeepError } from '@upkeep/errors';
import { AgentGatewayServiceClient, clientChannelOptions, MAX_MESSAGE_BYTES } from '@upkeep/proto';
import type { RunningControlPlane } from '../bootstrap.ts';
import { EnrollmentService, type EnrollmentTokenRequest } from '../enrollment/enrollment.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, tlsFile, type TestEnvironment } from '../testing/test-control-plane.ts';

const OPERATOR = { type: 'api_token', id: 'test-operator' } as const;
const caPem = tlsFile('ca.crt');

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

function call<Req, Res>(
  method: Unary<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadline: Date | null = new Date(Date.now() + 5000),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, deadline === null ? {} : { deadline }, (error, response) => {
      if (error !== null) reject(error);
      else resolve(response);
    });
  });
}

function failure(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error('the call succeeded but should have failed');
    },
    (error: unknown) => error as ServiceError,
  );
}

function bearer(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return metadata;
}

describe('agent gateway over TLS: enrollment and authentication', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let client: AgentGatewayServiceClient;

  const createToken = async (overrides: Partial<EnrollmentTokenRequest> = {}): Promise<string> => {
    const created = await controlPlane.app
      .get(EnrollmentService)
      .createToken(
        { description: 'test', labels: {}, groups: [], singleUse: true, ttlSeconds: 3600, ...overrides },
        OPERATOR,
      );
    return created.token;
  };

  const enrollWith = (token: string, labels: Record<string, string> = {}): Promise<AgentIdentity> =>
    enroll({
      serverUrl: environment.grpcUrl,
      token,
      labels,
      hostname: 'web-1',
      os: 'linux',
      arch: 'amd64',
      agentVersion: '0.1.0',
      tls: { caPem },
    });

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    client = new AgentGatewayServiceClient(
      environment.grpcUrl,
      credentials.createSsl(caPem),
      clientChannelOptions(),
    );
  });

  afterAll(async () => {
    client.close();
    await environment.cleanup();
  });

  it('exchanges a token for a credential that authenticates later calls, and keeps only its hash', async () => {
    const token = await createToken({ labels: { env: 'prod' }, groups: ['web'] });
    expect(token).toMatch(/^upk_enroll_[A-Za-z0-9_-]{43}$/);
    const identity = await enrollWith(token, { env: 'dev', rack: 'r1' });
    expect(identity.agentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.credential).toMatch(/^upk_agent_/);
    // Labels bound to the token win over what the host asks for.
    expect(identity.labels).toEqual({ env: 'prod', rack: 'r1' });
    expect(identity.groups).toEqual(['web']);
    expect(identity.assignmentPublicKeyPem).toContain('BEGIN PUBLIC KEY');

    const response = await call(
      client.heartbeat.bind(client),
      { sentAtMs: Date.now(), agentVersion: '0.1.1' },
      bearer(identity.credential),
    );
    expect(response.serverTimeMs).toBeGreaterThan(0);

    const db = await connectToSchema(environment.schema.target);
    try {
      const dump = await db.query<{ row: string }>(
        'SELECT row_to_json(c)::text AS row FROM agent_credentials c UNION ALL SELECT row_to_json(t)::text FROM enrollment_tokens t',
      );
      const everything = dump.rows.map((row) => row.row).join('\n');
      expect(everything.includes(identity.credential)).toBe(false);
      expect(everything.includes(token)).toBe(false);
      const host = await db.query<{ agent_version: string; last_seen_at: Date | null }>(
        'SELECT agent_version, last_seen_at FROM hosts WHERE id = $1',
        [identity.agentId],
      );
      expect(host.rows[0]?.agent_version).toBe('0.1.1');
      expect(host.rows[0]?.last_seen_at).toBeInstanceOf(Date);
      const audit = await db.query<{ action: string }>(
        'SELECT action FROM audit_events WHERE target_id = $1',
        [identity.agentId],
      );
      expect(audit.rows.map((row) => row.action)).toEqual(['host.enrolled']);
    } finally {
      await db.end();
    }
  });

  it('lets exactly one of two agents racing with a single-use token enroll', async () => {
    for (let round = 0; round < 5; round += 1) {
      const token = await createToken({ singleUse: true });
      const results = await Promise.allSettled([enrollWith(token), enrollWith(token), enrollWith(token)]);
      const winners = results.filter((result) => result.status === 'fulfilled');
      const losers = results.filter(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(2);
      for (const loser of losers) {
        expect(isUpkeepError(loser.reason) && loser.reason.code).toBe('UNAUTHENTICATED');
        expect((loser.reason as Error).message).toContain('single-use and has been used');
      }
    }
  });

  it('lets a multi-use token enroll several hosts until it expires', async () => {
    const token = await createToken({ singleUse: false });
    const identities = await Promise.all([enrollWith(token), enrollWith(token)]);
    expect(new Set(identities.map((identity) => identity.agentId)).size).toBe(2);
  });

  it('refuses an unknown, expired or revoked token with UNAUTHENTICATED and changes nothing', async () => {
    const service = controlPlane.app.get(EnrollmentService);
    const expired = await service.createToken(
      { description: '', labels: {}, groups: [], singleUse: false, ttlSeconds: 60 },
      OPERATOR,
    );
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query("UPDATE enrollment_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [
        expired.id,
      ]);
      const revoked = await service.createToken(
        { description: '', labels: {}, groups: [], singleUse: false, ttlSeconds: 60 },
        OPERATOR,
      );
      await service.revokeToken(revoked.id, OPERATOR);
      const hostsBefore = await db.query<{ count: string }>('SELECT count(*) FROM hosts');

      for (const [token, message] of [
        [`upk_enroll_${'A'.repeat(43)}`, 'not known'],
        [expired.token, 'has expired'],
        [revoked.token, 'was revoked'],
        ['not-a-token', 'not an enrollment token'],
      ] as const) {
        const error = await enrollWith(token).catch((caught: unknown) => caught);
        expect(isUpkeepError(error) && error.code, token).toBe('UNAUTHENTICATED');
        expect((error as Error).message).toContain(message);
      }
      const hostsAfter = await db.query<{ count: string }>('SELECT count(*) FROM hosts');
      expect(hostsAfter.rows[0]?.count).toBe(hostsBefore.rows[0]?.count);
    } finally {
      await db.end();
    }
  });

  it('refuses calls with a missing, unknown or revoked credential with UNAUTHENTICATED', async () => {
    const identity = await enrollWith(await createToken());
    const heartbeat = (metadata: Metadata): Promise<ServiceError> =>
      failure(call(client.heartbeat.bind(client), { sentAtMs: 0, agentVersion: '' }, metadata));

    expect((await heartbeat(new Metadata())).code).toBe(status.UNAUTHENTICATED);
    const unknown = await heartbeat(bearer(`upk_agent_${'B'.repeat(43)}`));
    expect(unknown.code).toBe(status.UNAUTHENTICATED);
    expect(unknown.details).toContain('not known');

    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query("UPDATE hosts SET status = 'revoked' WHERE id = $1", [identity.agentId]);
    } finally {
      await db.end();
    }
    const revoked = await heartbeat(bearer(identity.credential));
    expect(revoked.code).toBe(status.UNAUTHENTICATED);
    expect(revoked.details).toContain(`agent ${identity.agentId} has been revoked`);
  });

  it('refuses a call without a deadline', async () => {
    const identity = await enrollWith(await createToken());
    const error = await failure(
      call(
        client.heartbeat.bind(client),
        { sentAtMs: 0, agentVersion: '' },
        bearer(identity.credential),
        null,
      ),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain('no deadline');
  });

  it('refuses an oversized message with RESOURCE_EXHAUSTED, on the client before it leaves and on the server', async () => {
    const identity = await enrollWith(await createToken());
    const huge = Array.from({ length: 12_000 }, (_, index) => ({
      name: `component-${index}`,
      version: '1.0.0',
      binaryPath: `/usr/local/bin/${'x'.repeat(60)}`,
      sha256: 'a'.repeat(64),
      installedAtMs: 0,
      rollbackPoints: 0,
    }));
    const clientSide = await failure(
      call(client.reportInventory.bind(client), { components: huge }, bearer(identity.credential)),
    );
    expect(clientSide.code).toBe(status.RESOURCE_EXHAUSTED);

    // A client without the limit still cannot get it past the server.
    const unlimited = new AgentGatewayServiceClient(environment.grpcUrl, credentials.createSsl(caPem), {
      'grpc.max_send_message_length': 8 * MAX_MESSAGE_BYTES,
    });
    try {
      const serverSide = await failure(
        call(unlimited.reportInventory.bind(unlimited), { components: huge }, bearer(identity.credential)),
      );
      expect(serverSide.code).toBe(status.RESOURCE_EXHAUSTED);
    } finally {
      unlimited.close();
    }
    const db = await connectToSchema(environment.schema.target);
    try {
      const stored = await db.query<{ count: string }>(
        'SELECT count(*) FROM host_inventory WHERE host_id = $1',
        [identity.agentId],
      );
      expect(stored.rows[0]?.count).toBe('0');
    } finally {
      await db.end();
    }
  });

  it('refuses a malformed message and bad inventory entries, storing nothing', async () => {
    const identity = await enrollWith(await createToken());
    // A client that sends bytes which are not a protobuf message at all.
    const Raw = makeGenericClientConstructor(
      {
        reportInventory: {
          path: '/upkeep.agent.v1.AgentGatewayService/ReportInventory',
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: Buffer) => value,
          requestDeserialize: (value: Buffer) => value,
          responseSerialize: (value: Buffer) => value,
          responseDeserialize: (value: Buffer) => value,
        },
      },
      'Raw',
    );
    const raw = new Raw(environment.grpcUrl, credentials.createSsl(caPem));
    try {
      const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
      const error = await new Promise<ServiceError>((resolve) => {
        raw.makeUnaryRequest(
          '/upkeep.agent.v1.AgentGatewayService/ReportInventory',
          (value: Buffer) => value,
          (value: Buffer) => value,
          garbage,
          bearer(identity.credential),
          { deadline: new Date(Date.now() + 5000) },
          (caught) => {
            resolve(caught as ServiceError);
          },
        );
      });
      expect([status.INTERNAL, status.INVALID_ARGUMENT]).toContain(error.code);
    } finally {
      raw.close();
    }

    const bad = await failure(
      call(
        client.reportInventory.bind(client),
        {
          components: [
            {
              name: 'node_exporter',
              version: '1.8.2',
              binaryPath: '/x',
              sha256: 'not-hex',
              installedAtMs: 0,
              rollbackPoints: 0,
            },
          ],
        },
        bearer(identity.credential),
      ),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toContain('hex sha256');

    const stored = await call(
      client.reportInventory.bind(client),
      {
        components: [
          {
            name: 'node_exporter',
            version: '1.8.2',
            binaryPath: '/usr/local/bin/node_exporter',
            sha256: 'b'.repeat(64),
            installedAtMs: 1_700_000_000_000,
            rollbackPoints: 2,
          },
        ],
      },
      bearer(identity.credential),
    );
    expect(stored.stored).toBe(1);
  });

  it('is not reachable by a client that does not trust the server certificate', async () => {
    const error = await enroll({
      serverUrl: environment.grpcUrl,
      token: await createToken(),
      hostname: 'h',
      os: 'linux',
      arch: 'amd64',
      agentVersion: '0.1.0',
      tls: { caPem: tlsFile('rogue-ca.crt') },
      deadlineMs: 3000,
    }).catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_UNREACHABLE');
  });
});
