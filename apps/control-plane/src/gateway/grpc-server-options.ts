import { ServerCredentials } from '@grpc/grpc-js';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import { KEEPALIVE, MAX_MESSAGE_BYTES, serverChannelOptions } from '@upkeep/proto';
import type { AppConfig } from '../config/app-config.ts';
import { AgentGatewayServiceService } from '../generated/proto/upkeep/agent/v1/agent_gateway_service.ts';

/**
 * The gateway's transport: TLS always; under mTLS grpc-js is told to REQUIRE
 * and verify a client certificate (it does not by default). Messages are
 * (de)serialised by the ts-proto codec generated from proto/, the same one the
 * agent uses, rather than by proto-loader at run time.
 */
export function grpcServerOptions(config: AppConfig): GrpcOptions {
  const credentials = ServerCredentials.createSsl(
    config.mtls ? config.tls.clientCa : null,
    [{ cert_chain: config.tls.cert, private_key: config.tls.key }],
    config.mtls,
  );
  const host = config.grpc.host.includes(':') ? `[${config.grpc.host}]` : config.grpc.host;
  return {
    transport: Transport.GRPC,
    options: {
      url: `${host}:${config.grpc.port}`,
      package: 'upkeep.agent.v1',
      packageDefinition: { 'upkeep.agent.v1.AgentGatewayService': AgentGatewayServiceService },
      credentials,
      maxReceiveMessageLength: MAX_MESSAGE_BYTES,
      maxSendMessageLength: MAX_MESSAGE_BYTES,
      keepalive: {
        keepaliveTimeMs: KEEPALIVE.serverTimeMs,
        keepaliveTimeoutMs: KEEPALIVE.serverTimeoutMs,
        keepalivePermitWithoutCalls: 1,
        http2MinPingIntervalWithoutDataMs: KEEPALIVE.serverMinPingIntervalMs,
      },
      channelOptions: serverChannelOptions(),
      gracefulShutdown: true,
    },
  };
}
