export * from './generated/upkeep/agent/v1/agent_gateway_service.ts';
export * from './generated/upkeep/agent/v1/enrollment.ts';
export * from './generated/upkeep/agent/v1/reports.ts';
export * from './generated/upkeep/agent/v1/session.ts';
