export {
  AgentSession,
  type AgentSessionEvents,
  type AgentSessionOptions,
  type JobExecutor,
  type JobResult,
  type StepReporter,
  type StepState,
} from './agent-session.ts';
export {
  MemoryAgentStateStore,
  type AgentStateStore,
  type JobOutcome,
  type PendingResult,
} from './agent-state-store.ts';
export { downloadArtifact, type ArtifactDownload, type ArtifactDownloadDeps } from './artifact-download.ts';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
export { enroll, type AgentIdentity, type EnrollOptions } from './enroll.ts';
export { grpcTarget, type AgentTls } from './grpc-transport.ts';
export { readIdentityFile, writeIdentityFile } from './identity-file.ts';
