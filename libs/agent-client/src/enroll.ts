import { createPublicKey } from 'node:crypto';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { DEADLINES, type EnrollResponse } from '@upkeep/proto';
import { keyIdOf } from '@upkeep/assignment';
import { UpkeepError } from '@upkeep/errors';
import { createGatewayClient, isServiceError, unaryCall, type AgentTls } from './grpc-transport.ts';

export interface EnrollOptions {
  readonly serverUrl: string;
  readonly token: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly tls: AgentTls;
  /** Default 30 s. */
  readonly deadlineMs?: number;
}

/** What the agent keeps (with mode 0600) after enrolling. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly credential: string;
  /** The assignment signing key, pinned: assignments signed by any other key are refused. */
  readonly assignmentPublicKeyPem: string;
  readonly assignmentKeyId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  /** Where the agent enrolled (kept by `upkeep-agent enroll` for `run`). */
  readonly serverUrl?: string | undefined;
  /** The CA bundle that verified the control plane's certificate, when not the system roots. */
  readonly caPem?: string | undefined;
  /** Client certificate and key files, when the control plane requires mutual TLS. */
  readonly clientCertFile?: string | undefined;
  readonly clientKeyFile?: string | undefined;
}

/**
 * Exchanges an enrollment token for this host's identity and credential.
 * Throws UpkeepError UNAUTHENTICATED for a bad, expired or used token.
 */
export async function enroll(options: EnrollOptions): Promise<AgentIdentity> {
  const client = createGatewayClient(options.serverUrl, options.tls);
  let response: EnrollResponse;
  try {
    response = await unaryCall(
      client.enroll.bind(client),
      {
        token: options.token,
        hostname: options.hostname,
        os: options.os,
        arch: options.arch,
        agentVersion: options.agentVersion,
        labels: { ...(options.labels ?? {}) },
      },
      new Metadata(),
      options.deadlineMs ?? DEADLINES.enrollMs,
    );
  } catch (error) {
    const status = isServiceError(error) ? error.code : undefined;
    throw new UpkeepError(
      status === GrpcStatus.UNAUTHENTICATED
        ? 'UNAUTHENTICATED'
        : status === GrpcStatus.INVALID_ARGUMENT
          ? 'INPUT_INVALID'
          : 'UPSTREAM_UNREACHABLE',
      `enrollment at ${options.serverUrl} failed: ${isServiceError(error) ? error.details : (error as Error).message}`,
      {
        hint:
          status === GrpcStatus.UNAUTHENTICATED
            ? 'ask an operator for a new enrollment token'
            : 'check the server URL and its TLS CA',
        cause: error,
      },
    );
  } finally {
    client.close();
  }
  // Pin only a key that parses and whose id matches what the server announced.
  const publicKey = createPublicKey(response.assignmentPublicKeyPem);
  if (publicKey.asymmetricKeyType !== 'ed25519' || keyIdOf(publicKey) !== response.assignmentKeyId) {
    throw new UpkeepError(
      'SIGNATURE_INVALID',
      'the control plane sent an assignment key that does not match its key id',
    );
  }
  return {
    agentId: response.agentId,
    credential: response.credential,
    assignmentPublicKeyPem: response.assignmentPublicKeyPem,
    assignmentKeyId: response.assignmentKeyId,
    labels: response.labels,
    groups: response.groups,
  };
}
