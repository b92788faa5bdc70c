export * from './generated/upkeep/agent/v1/agent_gateway_service.ts';
export * from './generated/upkeep/agent/v1/enrollment.ts';
export * from './generated/upkeep/agent/v1/reports.ts';
export * from './generated/upkeep/agent/v1/session.ts';
export {
  AUTHORIZATION_METADATA_KEY,
  clientChannelOptions,
  DEADLINES,
  KEEPALIVE,
  MAX_MESSAGE_BYTES,
  serverChannelOptions,
} from './channel-settings.ts';
