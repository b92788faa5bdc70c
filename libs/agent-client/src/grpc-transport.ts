import {
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { AgentGatewayServiceClient, AUTHORIZATION_METADATA_KEY, clientChannelOptions } from '@upkeep/proto';

/** TLS material the agent trusts and, under mTLS, presents. */
export interface AgentTls {
  /** CA bundle that signs the control plane's certificate; the system roots when omitted. */
  readonly caPem?: Buffer | undefined;
  /** Client certificate and key, when the control plane requires mutual TLS. */
  readonly clientCertPem?: Buffer | undefined;
  readonly clientKeyPem?: Buffer | undefined;
}

/** Accepts `host:port` or `grpcs://host:port`; the gateway only speaks TLS. */
export function grpcTarget(serverUrl: string): string {
  const target = serverUrl.replace(/^grpcs:\/\//, '').replace(/\/+$/, '');
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):\d{1,5}$/.test(target)) {
    throw new TypeError(`server URL "${serverUrl}" is not host:port or grpcs://host:port`);
  }
  return target;
}

export function channelCredentials(tls: AgentTls): ChannelCredentials {
  return grpcCredentials.createSsl(tls.caPem ?? null, tls.clientKeyPem ?? null, tls.clientCertPem ?? null);
}

export function createGatewayClient(
  serverUrl: string,
  tls: AgentTls,
  extraOptions: Readonly<Record<string, number | string>> = {},
): AgentGatewayServiceClient {
  return new AgentGatewayServiceClient(grpcTarget(serverUrl), channelCredentials(tls), {
    ...clientChannelOptions(),
    ...extraOptions,
  });
}

export function credentialMetadata(credential: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${credential}`);
  return metadata;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/** A unary call as a promise, always with a deadline. */
export function unaryCall<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadlineMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
      if (error !== null) reject(error);
      else resolve(response);
    });
  });
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}
